import ArgumentParser
import Foundation

/// Runs `body`; a library error becomes one `error: …` line on standard error and exit code 1,
/// instead of a stack trace or ArgumentParser's generic wrapping.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as ExitCode {
    throw error
  } catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    throw ExitCode.failure
  }
}
