import Testing

@testable import MLVRemote

@Suite struct RemoteSpecTests {
  @Test func goodNames() throws {
    for name in ["origin", "a", "0", "my-remote_1.x", "S3.backup", String(repeating: "n", count: 64)] {
      #expect(throws: Never.self, "\(name)") { try RemoteSpec.checkName(name) }
    }
  }

  @Test func badNames() {
    let bad = [
      "", "-a", ".a", "_a", "a b", "a/b", "a\\b", "a:b", "a[b]", "a]", "é", "a\u{301}", "a\n", " a", "a\t", "a=b", "a#b",
      String(repeating: "n", count: 65),
    ]
    for name in bad {
      #expect(throws: RemoteError.badName(name), "\(name.debugDescription)") { try RemoteSpec.checkName(name) }
    }
  }

  @Test func s3URLs() throws {
    #expect(try RemoteSpec.parse("s3://abc", root: "/r") == .s3(bucket: "abc", prefix: ""))
    #expect(try RemoteSpec.parse("s3://abc/", root: "/r") == .s3(bucket: "abc", prefix: ""))
    #expect(try RemoteSpec.parse("S3://abc/x", root: "/r") == .s3(bucket: "abc", prefix: "x/"))
    #expect(try RemoteSpec.parse("s3://my.bucket-1/a/b/", root: "/r") == .s3(bucket: "my.bucket-1", prefix: "a/b/"))
    #expect(try RemoteSpec.parse("s3://abc//a/b//", root: "/r") == .s3(bucket: "abc", prefix: "a/b/"))
    #expect(try RemoteSpec.parse("s3://abc/a b/é", root: "/r") == .s3(bucket: "abc", prefix: "a b/é/"))
    #expect(
      try RemoteSpec.parse("s3://" + String(repeating: "b", count: 63), root: "/r")
        == .s3(bucket: String(repeating: "b", count: 63), prefix: ""))
    for url in [
      "s3://", "s3:///x", "s3://ab", "s3://" + String(repeating: "b", count: 64), "s3://Abc", "s3://a_b", "s3://-abc", "s3://abc-",
      "s3://.abc", "s3://a c", "s3://abc/a//b", "s3://abc/./b", "s3://abc/a/..", "s3://abc/../b", "s3:bucket", "gs://bucket",
      "https://bucket.s3.amazonaws.com", "ssh://host/path", "host:path", "user@host:path",
    ] {
      #expect(throws: RemoteError.self, "\(url)") { try RemoteSpec.parse(url, root: "/r") }
    }
  }

  @Test func directoryURLs() throws {
    #expect(try RemoteSpec.parse("/srv//store/./x/", root: "/r") == .directory("/srv/store/x"))
    #expect(try RemoteSpec.parse("shared", root: "/repo") == .directory("/repo/shared"))
    #expect(try RemoteSpec.parse("./shared", root: "/repo") == .directory("/repo/shared"))
    #expect(try RemoteSpec.parse("./a:b", root: "/repo") == .directory("/repo/a:b"))
    #expect(try RemoteSpec.parse("/mnt/a:b", root: "/repo") == .directory("/mnt/a:b"))
    #expect(try RemoteSpec.parse("file:///", root: "/repo") == .directory("/"))
    #expect(try RemoteSpec.parse("FILE:///mnt/x", root: "/repo") == .directory("/mnt/x"))
    #expect(try RemoteSpec.parse("file:///mnt/%C3%A9t%C3%A9", root: "/r") == .directory("/mnt/été"))
    for url in ["file://", "file://host/x", "file:///bad%", "file:///bad%zz", "file:///bad%FF"] {
      #expect(throws: RemoteError.self, "\(url)") { try RemoteSpec.parse(url, root: "/r") }
    }
  }

  @Test func endpoints() throws {
    for good in ["http://localhost:9000", "https://s3.example.com", "https://s3.example.com/", "HTTP://Host:9000", "http://[::1]:9000"] {
      #expect(throws: Never.self, "\(good)") { try RemoteSpec.checkEndpoint(good) }
    }
    for bad in [
      "", "localhost:9000", "ftp://host", "s3://bucket", "http:/host", "http://", "http:///", "http://host/path",
      "http://host:9000/bucket/",
      "https://host//", "http:///path",
    ] {
      #expect(throws: RemoteError.self, "\(bad)") { try RemoteSpec.checkEndpoint(bad) }
    }
    let spec = try RemoteSpec(name: "o", url: "s3://abc", endpoint: "http://localhost:9000/", root: "/")
    #expect(spec.endpoint == "http://localhost:9000")
    #expect(spec.location == .s3(bucket: "abc", prefix: ""))
    #expect(throws: RemoteError.self) { try RemoteSpec(name: "o", url: "s3://abc", endpoint: "localhost:9000", root: "/") }
    #expect(throws: RemoteError.self) { try RemoteSpec(name: "o", url: "s3://abc", endpoint: "http://h:1/p", root: "/") }
  }

  @Test func regions() throws {
    #expect(try RemoteSpec(name: "o", url: "s3://abc", region: "eu-west-1", root: "/").region == "eu-west-1")
    for bad in ["", "eu west", "eu_west", "eu/west", "é"] {
      #expect(throws: RemoteError.self, "\(bad)") { try RemoteSpec(name: "o", url: "s3://abc", region: bad, root: "/") }
    }
  }

  @Test func optionsApplyToS3Only() throws {
    let message = RemoteError.badOption("--endpoint, --region, --path-style and --profile apply to s3:// remotes only")
    #expect(throws: message) { try RemoteSpec(name: "o", url: "/srv/x", endpoint: "http://h:9000", root: "/") }
    #expect(throws: message) { try RemoteSpec(name: "o", url: "/srv/x", region: "us-east-1", root: "/") }
    #expect(throws: message) { try RemoteSpec(name: "o", url: "/srv/x", pathStyle: true, root: "/") }
    #expect(throws: message) { try RemoteSpec(name: "o", url: "/srv/x", pathStyle: false, root: "/") }
    #expect(throws: message) { try RemoteSpec(name: "o", url: "file:///srv/x", profile: "dev", root: "/") }
    let dir = try RemoteSpec(name: "o", url: "rel/dir", root: "/repo")
    #expect(dir.location == .directory("/repo/rel/dir"))
    #expect(dir.endpoint == nil && dir.region == nil && dir.pathStyle == nil && dir.profile == nil)
    #expect(dir.summary == "rel/dir")
    let s3 = try RemoteSpec(
      name: "o", url: "s3://abc/p", endpoint: "http://h:9000", region: "us-east-1", pathStyle: true, profile: "dev", root: "/")
    #expect(s3.summary == "s3://abc/p, endpoint http://h:9000, region us-east-1, path-style, profile dev")
    #expect(try RemoteSpec(name: "o", url: "s3://abc", pathStyle: false, root: "/").summary == "s3://abc")
  }
}
