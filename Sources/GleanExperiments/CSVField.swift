/// A CSV field as the reports write it: in double quotes, inner quotes doubled.
func csvQuoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
