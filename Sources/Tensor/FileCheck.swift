import Foundation

/// Plain-words reasons for paths a user gave that cannot be used, checked before any work starts
/// (Foundation's own errors say "The operation could not be completed" for most of these).
public enum FileCheck {
    /// Why `path` cannot be read as a file ("no such file", "is a folder, not a file",
    /// "permission denied"), or nil when it can.
    public static func problemReading(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "is a folder, not a file" }
        return FileManager.default.isReadableFile(atPath: path) ? nil : "permission denied"
    }

    /// Why `path` cannot be used as an output folder ("is a file, not a folder", a parent that is a
    /// file, no permission), or nil when it is a folder or can be created.
    public static func problemUsingFolder(_ path: String) -> String? {
        var isDirectory: ObjCBool = false
        var url = URL(fileURLWithPath: path).standardizedFileURL
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            if !isDirectory.boolValue { return "is a file, not a folder" }
            return FileManager.default.isWritableFile(atPath: url.path) ? nil : "permission denied"
        }
        while url.path != "/" {
            url = url.deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
                if !isDirectory.boolValue { return "\(url.path) is a file, not a folder" }
                return FileManager.default.isWritableFile(atPath: url.path) ? nil : "cannot create it in \(url.path): permission denied"
            }
        }
        return nil
    }
}
