/// Fields of one CSV line, read and written as RFC 4180 does: fields separated by commas; a
/// field that starts with a double quote runs to the closing quote and may hold commas, line
/// breaks and doubled quotes. Every CSV file Glean reads or writes goes through these two.
public enum CSVFields {
    /// The fields of `line`, or nil when a quoted field is not closed.
    public static func split(_ line: some StringProtocol) -> [String]? {
        var fields: [String] = [], field = "", quoted = false, wasQuoted = false
        var characters = line.makeIterator()
        while let character = characters.next() {
            switch (character, quoted) {
            case ("\"", false) where field.isEmpty && !wasQuoted:
                quoted = true
                wasQuoted = true
            case ("\"", true):
                var lookahead = characters
                if lookahead.next() == "\"" {
                    field.append("\"")
                    characters = lookahead
                } else {
                    quoted = false
                }
            case (",", false):
                fields.append(field)
                field = ""
                wasQuoted = false
            default:
                field.append(character)
            }
        }
        guard !quoted else { return nil }
        fields.append(field)
        return fields
    }

    /// `text` as one field: in double quotes, inner quotes doubled, when it holds a comma, a
    /// quote or a line break (or starts or ends with a space); else as it is.
    public static func escaped(_ text: String) -> String {
        let needsQuotes = text.contains { ",\"\n\r".contains($0) } || text.first == " " || text.last == " "
        return needsQuotes ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// One line of `fields`, each escaped.
    public static func line(_ fields: [String]) -> String { fields.map(escaped).joined(separator: ",") }
}
