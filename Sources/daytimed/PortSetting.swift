import ArgumentParser
import DaytimeServer

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

/// `--daytime-transports` / `--time-transports`: `tcp`, `udp`, `tcp,udp`.
struct TransportsSetting: ExpressibleByArgument, Sendable {
    let transports: Transports

    init(_ transports: Transports) {
        self.transports = transports
    }

    init?(argument: String) {
        guard let transports = Transports(listing: argument), !transports.isEmpty else { return nil }
        self.transports = transports
    }

    var defaultValueDescription: String {
        self.transports.description
    }
}

/// `--blocked-source-ports 7,9,13`: a comma-separated list of ports (empty: none but port 0).
struct PortListSetting: ExpressibleByArgument, Sendable {
    let ports: [Int]

    init(_ ports: [Int]) {
        self.ports = ports
    }

    init?(argument: String) {
        var ports: [Int] = []
        for item in argument.split(separator: ",") {
            guard let port = Int(item.filter { $0 != " " }), (0...65535).contains(port) else { return nil }
            ports.append(port)
        }
        self.ports = ports
    }

    var defaultValueDescription: String {
        self.ports.map(String.init).joined(separator: ",")
    }
}
