import MLVRemote
import Testing

@Suite struct RemoteURLTests {
  @Test func parsesDirectoriesAndBuckets() throws {
    #expect(try RemoteSpec.parse("/srv/store", root: "/r") == .directory("/srv/store"))
    #expect(try RemoteSpec.parse("../shared/", root: "/r/x") == .directory("/r/x/../shared"))
    #expect(try RemoteSpec.parse("file:///mnt/a%20b", root: "/r") == .directory("/mnt/a b"))
    #expect(try RemoteSpec.parse("s3://my-bucket", root: "/r") == .s3(bucket: "my-bucket", prefix: ""))
    #expect(try RemoteSpec.parse("s3://my-bucket/team/proj", root: "/r") == .s3(bucket: "my-bucket", prefix: "team/proj/"))
  }

  @Test func refusesWhatIsNotARemote() {
    for url in ["", "http://example.com/x", "s3://A_B", "s3://ab", "file://relative", "host:path", "s3://bucket/a/../b"] {
      #expect(throws: RemoteError.self, "\(url)") { try RemoteSpec.parse(url, root: "/r") }
    }
  }
}
