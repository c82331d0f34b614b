/// A JSON key made at run time, for report objects whose keys name a thread count
/// (`"2t_docs_per_s"`) or a target-specific count.
struct BenchCodingKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { nil }
}
