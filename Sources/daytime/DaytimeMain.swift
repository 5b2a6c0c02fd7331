import ArgumentParser
import Dispatch
import Glibc

/// The entry point: a plain query goes straight to ``QueryRun`` on the main thread (no
/// ArgumentParser, no Swift task, no thread started); everything else goes to ArgumentParser's
/// ``DaytimeCommand``, which prints help and usage errors and runs `bench`.
@main
enum DaytimeMain {
    static func main() {
        if let settings = FastArguments.parse(CommandLine.arguments.dropFirst()) {
            exit(QueryRun.execute(settings))
        }
        Task {
            await DaytimeCommand.main()
            exit(0)
        }
        dispatchMain()
    }
}
