import FastAuth
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads the columns of one result row, reporting a value FastAuth did not write as
/// ``StoreError/Code/corrupt`` with the table and column — never the value itself.
struct StoredRow {
    let row: any SQLRow
    let table: String

    init(_ row: any SQLRow, table: String) {
        self.row = row
        self.table = table
    }

    func string(_ column: String) throws(StoreError) -> String {
        try value(column, as: String.self)
    }

    func optionalString(_ column: String) throws(StoreError) -> String? {
        try isNull(column) ? nil : string(column)
    }

    func int64(_ column: String) throws(StoreError) -> Int64 {
        try value(column, as: Int64.self)
    }

    func bool(_ column: String) throws(StoreError) -> Bool {
        try value(column, as: Bool.self)
    }

    func date(_ column: String) throws(StoreError) -> Date {
        Date(storedMilliseconds: try int64(column))
    }

    func optionalDate(_ column: String) throws(StoreError) -> Date? {
        try isNull(column) ? nil : date(column)
    }

    private func isNull(_ column: String) throws(StoreError) -> Bool {
        do {
            return try row.decodeNil(column: column)
        } catch {
            throw corrupt(column)
        }
    }

    private func value<T: Decodable>(_ column: String, as type: T.Type) throws(StoreError) -> T {
        do {
            return try row.decode(column: column, as: T.self)
        } catch {
            throw corrupt(column)
        }
    }

    private func corrupt(_ column: String) -> StoreError {
        StoreError(.corrupt, "column \(column) of \(table) holds a value FastAuth did not write")
    }
}
