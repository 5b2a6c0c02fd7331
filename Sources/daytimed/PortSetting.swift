import ArgumentParser

/// A port as given on the command line: a number, `0` for any free port, or `off`.
struct PortSetting: ExpressibleByArgument, Sendable, CustomStringConvertible {
    /// The port, or nil for `off`.
    let port: Int?

    init(port: Int?) {
        self.port = port
    }

    init?(argument: String) {
        if argument.lowercased() == "off" {
            self.port = nil
        } else if let number = Int(argument), (0...65535).contains(number) {
            self.port = number
        } else {
            return nil
        }
    }

    var description: String {
        self.port.map(String.init) ?? "off"
    }

    var defaultValueDescription: String {
        self.description
    }
}
