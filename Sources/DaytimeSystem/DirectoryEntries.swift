#if canImport(Glibc)
import Glibc
#endif

/// The names in the directory at `path`, without `.` and `..` (such as the thread ids in
/// `/proc/self/task`), or nil if it cannot be opened.
///
/// Each name is read where `readdir` left it, up to its NUL. Copying the entry out
/// (`entry.pointee`) would read a whole `dirent`, and the last entry of `readdir`'s buffer may be
/// shorter than that: AddressSanitizer reports the read past the buffer's end.
package func directoryEntries(_ path: String) -> [String]? {
    guard let directory = opendir(path) else { return nil }
    defer { closedir(directory) }
    let nameOffset = MemoryLayout<dirent>.offset(of: \.d_name)!
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = String(cString: (UnsafeRawPointer(entry) + nameOffset).assumingMemoryBound(to: CChar.self))
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
