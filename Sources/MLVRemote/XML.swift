/// Just enough XML for S3's replies: the text of named elements, entities decoded.
///
/// S3's list and error documents are flat records (`<Contents><Key>…</Key>…</Contents>`), never
/// nesting an element inside one of the same name, so finding start and end tags suffices.
enum XML {
  /// The inner text of every `<tag>…</tag>` (and `""` for `<tag/>`), in order, raw.
  static func elements(_ tag: String, in text: Substring) -> [Substring] {
    var out: [Substring] = []
    let open = "<\(tag)>"
    let openWithAttributes = "<\(tag) "
    let empty = "<\(tag)/>"
    let close = "</\(tag)>"
    var rest = text[...]
    while let start = firstOf([open, openWithAttributes, empty], in: rest) {
      if start.match == empty {
        out.append("")
        rest = rest[start.range.upperBound...]
        continue
      }
      var contentStart = start.range.upperBound
      if start.match == openWithAttributes {
        // `<Tag a="1">` or `<Tag />`, `<Tag a="1"/>` (empty).
        guard let gt = rest[contentStart...].firstIndex(of: ">") else { break }
        contentStart = rest.index(after: gt)
        if rest[rest.index(before: gt)] == "/" {
          out.append("")
          rest = rest[contentStart...]
          continue
        }
      }
      guard let end = rest[contentStart...].firstRange(of: close) else { break }
      out.append(rest[contentStart..<end.lowerBound])
      rest = rest[end.upperBound...]
    }
    return out
  }

  /// The decoded text of the first `<tag>`, or nil.
  static func value(_ tag: String, in text: Substring) -> String? { elements(tag, in: text).first.map(decode) }

  /// The decoded text of every `<tag>`.
  static func values(_ tag: String, in text: Substring) -> [String] { elements(tag, in: text).map(decode) }

  /// Replaces the five predefined entities and numeric character references.
  static func decode(_ text: Substring) -> String {
    guard text.contains("&") else { return String(text) }
    var out = ""
    var rest = text[...]
    while let amp = rest.firstIndex(of: "&") {
      out += rest[..<amp]
      guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
        out += rest[amp...]
        return out
      }
      let name = rest[rest.index(after: amp)..<semi]
      switch name {
      case "amp": out += "&"
      case "lt": out += "<"
      case "gt": out += ">"
      case "quot": out += "\""
      case "apos": out += "'"
      default:
        var scalar: Unicode.Scalar?
        if name.hasPrefix("#x") {
          scalar = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
        } else if name.hasPrefix("#") {
          scalar = UInt32(name.dropFirst(1)).flatMap(Unicode.Scalar.init)
        }
        if let scalar { out.unicodeScalars.append(scalar) } else { out += rest[amp...semi] }
      }
      rest = rest[rest.index(after: semi)...]
    }
    out += rest
    return out
  }

  /// `text` with `&`, `<` and `>` escaped, for element content.
  static func escape(_ text: String) -> String {
    text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
  }

  private static func firstOf(_ needles: [String], in text: Substring) -> (range: Range<Substring.Index>, match: String)? {
    var best: (Range<Substring.Index>, String)?
    for needle in needles {
      if let r = text.firstRange(of: needle), best == nil || r.lowerBound < best!.0.lowerBound { best = (r, needle) }
    }
    return best
  }
}
