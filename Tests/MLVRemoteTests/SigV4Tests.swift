import MLVStore
import Testing

@testable import MLVRemote

/// Signature Version 4 against AWS's published example and against vectors computed by botocore.
///
/// The botocore vectors (2 to 4) were printed by this script (botocore 1.43.11), whose output is
/// pasted below as literals; the tests do not run Python.
///
///     import base64, datetime, hashlib
///     from unittest import mock
///     import botocore.auth
///     from botocore.auth import S3SigV4Auth
///     from botocore.awsrequest import AWSRequest
///     from botocore.credentials import Credentials
///
///     def sign(method, url, headers, body, key, secret, token, region, when):
///         req = AWSRequest(method=method, url=url, headers=headers, data=body)
///         auth = S3SigV4Auth(Credentials(key, secret, token), "s3", region)
///         with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
///             auth.add_auth(req)
///         for k in sorted(req.headers.keys(), key=str.lower):
///             print(f"{k.lower()}: {req.headers[k]}")
///
///     sign("GET", "https://examplebucket.s3.amazonaws.com/test.txt", {"Range": "bytes=0-9"}, b"",
///          "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None, "us-east-1",
///          datetime.datetime(2013, 5, 24, 0, 0, 0))
///     sign("GET", "https://mlv-test.s3.eu-west-1.amazonaws.com/?list-type=2&prefix=a%2Fb"
///          "&continuation-token=1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy4vbOwM%3D&max-keys=1000", {}, b"",
///          "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
///          "FwoGZXIvYXdzEXAMPLE//token+with/slashes=", "eu-west-1", datetime.datetime(2024, 2, 29, 12, 34, 56))
///     body3 = (b'<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>true</Quiet>'
///              b'<Object><Key>objects/ab/cd</Key></Object></Delete>')
///     sign("POST", "http://127.0.0.1:9000/mlv-test?delete=",
///          {"Content-MD5": base64.b64encode(hashlib.md5(body3).digest()).decode(), "Content-Type": "application/xml"},
///          body3, "minioadmin", "minioadmin", None, "us-east-1", datetime.datetime(2025, 1, 2, 3, 4, 5))
///     sign("PUT", "http://localhost:9000/mlv-test/team/dir/a%20b~c%2B%C3%A9.bin", {}, b"hello, world\n",
///          "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, "us-west-2",
///          datetime.datetime(2015, 8, 30, 12, 36, 0))
@Suite struct SigV4Tests {
  static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
  static let exampleKey = AWSCredentials(
    accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

  /// The headers as a dictionary (each name appears once).
  func dictionary(_ headers: [(String, String)]) -> [String: String] {
    var out: [String: String] = [:]
    for (name, value) in headers {
      #expect(out[name] == nil, "header \(name) appears twice")
      out[name] = value
    }
    return out
  }

  /// AWS's "Example: GET Object" (Amazon S3 API Reference, "Signature Calculations for the
  /// Authorization Header: Transferring Payload in a Single Chunk").
  @Test func awsGetObjectExample() {
    let signer = SigV4(credentials: Self.exampleKey, region: "us-east-1")
    let headers = signer.sign(
      method: "GET", path: "/test.txt", query: [],
      headers: [("host", "examplebucket.s3.amazonaws.com"), ("range", "bytes=0-9")], payloadHash: Self.emptyHash,
      date: 1_369_353_600)
    let h = dictionary(headers)
    #expect(h["x-amz-date"] == "20130524T000000Z")
    #expect(h["x-amz-content-sha256"] == Self.emptyHash)
    #expect(h["x-amz-security-token"] == nil)
    #expect(h["host"] == nil, "only x-amz-* and authorization are returned")
    #expect(
      h["authorization"]
        == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    #expect(headers.count == 3)
  }

  /// The same request with header names in mixed case, given in another order and with
  /// surrounding blanks in values: the signature does not change.
  @Test func headerNamesAreLowerCasedSortedAndValuesTrimmed() {
    let signer = SigV4(credentials: Self.exampleKey, region: "us-east-1")
    let headers = signer.sign(
      method: "GET", path: "/test.txt", query: [],
      headers: [("Range", " bytes=0-9\t"), ("Host", "examplebucket.s3.amazonaws.com ")], payloadHash: Self.emptyHash,
      date: 1_369_353_600)
    #expect(
      dictionary(headers)["authorization"]?.hasSuffix("Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41") == true)
  }

  /// Any change to what is signed changes the signature.
  @Test func everyInputIsSigned() {
    func signature(
      _ credentials: AWSCredentials = SigV4Tests.exampleKey, region: String = "us-east-1", method: String = "GET",
      path: String = "/test.txt", query: [(String, String)] = [], range: String = "bytes=0-9", payload: String = SigV4Tests.emptyHash,
      date: Int = 1_369_353_600
    ) -> String {
      let h = SigV4(credentials: credentials, region: region).sign(
        method: method, path: path, query: query, headers: [("host", "examplebucket.s3.amazonaws.com"), ("range", range)],
        payloadHash: payload, date: date)
      return String(h.first { $0.0 == "authorization" }!.1.split(separator: "Signature=").last!)
    }
    let base = signature()
    #expect(base == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    let variants = [
      signature(AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEz")),
      signature(AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: Self.exampleKey.secretAccessKey, sessionToken: "t")),
      signature(region: "us-east-2"), signature(method: "HEAD"), signature(path: "/test.txu"), signature(query: [("a", "")]),
      signature(range: "bytes=0-8"), signature(payload: String(repeating: "0", count: 64)), signature(date: 1_369_353_601),
    ]
    for v in variants { #expect(v != base) }
    #expect(Set(variants).count == variants.count)
  }

  /// ListObjectsV2 with a query (a '/' and '=' in values, names out of order) and a session
  /// token; expected values from botocore's S3SigV4Auth.
  @Test func listWithQueryAndSessionTokenMatchesBotocore() {
    let credentials = AWSCredentials(
      accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      sessionToken: "FwoGZXIvYXdzEXAMPLE//token+with/slashes=")
    let signer = SigV4(credentials: credentials, region: "eu-west-1")
    let query = [
      ("list-type", "2"), ("prefix", "a/b"), ("continuation-token", "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="),
      ("max-keys", "1000"),
    ]
    #expect(
      SigV4.canonicalQuery(query)
        == "continuation-token=1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy4vbOwM%3D&list-type=2&max-keys=1000&prefix=a%2Fb")
    let headers = signer.sign(
      method: "GET", path: "/", query: query, headers: [("host", "mlv-test.s3.eu-west-1.amazonaws.com")], payloadHash: Self.emptyHash,
      date: 1_709_210_096)
    #expect(
      dictionary(headers) == [
        "authorization":
          "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240229/eu-west-1/s3/aws4_request, "
          + "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, "
          + "Signature=3356e17a140776cc5d2f0c0b9825f0a315f28f5216c079d00fed8b91301cb978",
        "x-amz-content-sha256": Self.emptyHash,
        "x-amz-date": "20240229T123456Z",
        "x-amz-security-token": "FwoGZXIvYXdzEXAMPLE//token+with/slashes=",
      ])
  }

  /// A multi-object delete as S3Backend sends it: path-style with a port, a query name with an
  /// empty value, Content-MD5 and Content-Type signed, a body. Expected values from botocore.
  @Test func deleteWithBodyAndContentHeadersMatchesBotocore() {
    let body = Array(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete><Quiet>true</Quiet><Object><Key>objects/ab/cd</Key></Object></Delete>".utf8)
    let payloadHash = SHA256.hash(body).hex
    #expect(payloadHash == "473ca8c11d68aa7aeefb2b024ed227564e09a1372b7b026a7019e174cbd5165b")
    #expect(base64(body.withUnsafeBytes { Crypto.md5($0) }) == "hd9g0GCWwdOtx4pMgPUcCA==")
    let signer = SigV4(credentials: AWSCredentials(accessKeyID: "minioadmin", secretAccessKey: "minioadmin"), region: "us-east-1")
    let headers = signer.sign(
      method: "POST", path: "/mlv-test", query: [("delete", "")],
      headers: [("host", "127.0.0.1:9000"), ("Content-MD5", "hd9g0GCWwdOtx4pMgPUcCA=="), ("Content-Type", "application/xml")],
      payloadHash: payloadHash, date: 1_735_787_045)
    #expect(
      dictionary(headers) == [
        "authorization":
          "AWS4-HMAC-SHA256 Credential=minioadmin/20250102/us-east-1/s3/aws4_request, "
          + "SignedHeaders=content-md5;content-type;host;x-amz-content-sha256;x-amz-date, "
          + "Signature=5b113a84d902a75d1cccd762468f1512dff0292c6b30044822f82594bfd4091a",
        "x-amz-content-sha256": payloadHash,
        "x-amz-date": "20250102T030405Z",
      ])
  }

  /// A PUT of a key with a space, '~', '+' and a non-ASCII letter, its path encoded the way
  /// S3Backend encodes it. Expected values from botocore.
  @Test func putOfAnAwkwardKeyMatchesBotocore() {
    let path = "/mlv-test/" + SigV4.uriEncode("team/dir/a b~c+é.bin", slash: false)
    #expect(path == "/mlv-test/team/dir/a%20b~c%2B%C3%A9.bin")
    let payloadHash = SHA256.hash(Array("hello, world\n".utf8)).hex
    #expect(payloadHash == "853ff93762a06ddbf722c4ebe9ddd66d8f63ddaea97f521c3ecc20da7c976020")
    let signer = SigV4(
      credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
      region: "us-west-2")
    let headers = signer.sign(
      method: "PUT", path: path, query: [], headers: [("host", "localhost:9000")], payloadHash: payloadHash, date: 1_440_938_160)
    #expect(
      dictionary(headers)["authorization"]
        == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-west-2/s3/aws4_request, "
        + "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
        + "Signature=a72bedcad56bb54dd52d40910a2bf3ba7a6b9fbd08f243838bdc67221d2def20")
  }

  @Test func timestampsAreUTC() {
    #expect(SigV4.timestamps(0) == ("19700101T000000Z", "19700101"))
    #expect(SigV4.timestamps(1_369_353_600) == ("20130524T000000Z", "20130524"))
    #expect(SigV4.timestamps(1_709_210_096) == ("20240229T123456Z", "20240229"))
    #expect(SigV4.timestamps(1_735_787_045) == ("20250102T030405Z", "20250102"))
    #expect(SigV4.timestamps(1_704_067_199) == ("20231231T235959Z", "20231231"))
  }

  /// HMAC-SHA256 against RFC 4231 test case 2 and a key longer than the block size (case 6).
  @Test func hmacMatchesRFC4231() {
    #expect(
      Crypto.hex(Crypto.hmacSHA256(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8)))
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    #expect(
      Crypto.hex(
        Crypto.hmacSHA256(
          key: [UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
        == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    // Empty data (the key is never empty: it starts with "AWS4").
    #expect(
      Crypto.hex(Crypto.hmacSHA256(key: Array("key".utf8), [])) == "5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0")
  }

  @Test func md5AndBase64() {
    #expect(Crypto.hex([UInt8]().withUnsafeBytes { Crypto.md5($0) }) == "d41d8cd98f00b204e9800998ecf8427e")
    #expect(Crypto.hex(Array("abc".utf8).withUnsafeBytes { Crypto.md5($0) }) == "900150983cd24fb0d6963f7d28e17f72")
    #expect(base64([]) == "")
    #expect(base64(Array("f".utf8)) == "Zg==")
    #expect(base64(Array("fo".utf8)) == "Zm8=")
    #expect(base64(Array("foo".utf8)) == "Zm9v")
    #expect(base64(Array("foobar".utf8)) == "Zm9vYmFy")
    #expect(base64([0xff, 0xfe, 0xfd]) == "//79")
  }

  // MARK: Encoding

  @Test func uriEncodeKeepsOnlyUnreservedCharacters() {
    let unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
    #expect(SigV4.uriEncode(unreserved, slash: true) == unreserved)
    #expect(SigV4.uriEncode(unreserved, slash: false) == unreserved)
    #expect(SigV4.uriEncode("", slash: true) == "")
    #expect(SigV4.uriEncode("a b", slash: true) == "a%20b")
    #expect(SigV4.uriEncode("a+b", slash: true) == "a%2Bb")
    #expect(SigV4.uriEncode("a~b", slash: true) == "a~b")
    #expect(SigV4.uriEncode("a/b/c", slash: true) == "a%2Fb%2Fc")
    #expect(SigV4.uriEncode("a/b/c", slash: false) == "a/b/c")
    #expect(SigV4.uriEncode("100%", slash: true) == "100%25")
    #expect(SigV4.uriEncode("%2F", slash: false) == "%252F")
    #expect(SigV4.uriEncode("k=v&x?y#z", slash: true) == "k%3Dv%26x%3Fy%23z")
    #expect(SigV4.uriEncode("!*'();:@$,[]", slash: true) == "%21%2A%27%28%29%3B%3A%40%24%2C%5B%5D")
    #expect(SigV4.uriEncode("\"<>\\^`{|}", slash: true) == "%22%3C%3E%5C%5E%60%7B%7C%7D")
    #expect(SigV4.uriEncode("\u{0}\t\n\u{7f}", slash: true) == "%00%09%0A%7F")
    // Non-ASCII: each UTF-8 byte, upper-case hex.
    #expect(SigV4.uriEncode("é", slash: true) == "%C3%A9")
    #expect(SigV4.uriEncode("日本/語", slash: false) == "%E6%97%A5%E6%9C%AC/%E8%AA%9E")
    #expect(SigV4.uriEncode("😀", slash: true) == "%F0%9F%98%80")
    // A decomposed letter stays decomposed (no normalization): e + combining acute.
    #expect(SigV4.uriEncode("e\u{301}", slash: true) == "e%CC%81")
  }

  @Test func uriEncodeEncodesEveryByteButUnreserved() {
    for byte in UInt8(0)...UInt8(127) {
      let text = String(Unicode.Scalar(byte))
      let unreserved = isAlnum(byte) || "-_.~".utf8.contains(byte)
      let hex = String(byte, radix: 16, uppercase: true)
      let expected = unreserved ? text : "%" + (hex.count == 1 ? "0" + hex : hex)
      #expect(SigV4.uriEncode(text, slash: true) == expected)
      #expect(SigV4.uriEncode(text, slash: false) == (byte == UInt8(ascii: "/") ? "/" : expected))
    }
  }

  @Test func canonicalQuerySortsByEncodedNameThenValue() {
    #expect(SigV4.canonicalQuery([]) == "")
    #expect(SigV4.canonicalQuery([("delete", "")]) == "delete=")
    #expect(SigV4.canonicalQuery([("uploads", ""), ("prefix", "p/k")]) == "prefix=p%2Fk&uploads=")
    #expect(SigV4.canonicalQuery([("uploadId", "x y"), ("partNumber", "10")]) == "partNumber=10&uploadId=x%20y")
    // Same name: by value.
    #expect(SigV4.canonicalQuery([("a", "2"), ("a", "10"), ("a", "1")]) == "a=1&a=10&a=2")
    // Upper-case sorts before lower-case (byte order), and names are sorted after encoding:
    // '%' (0x25) sorts before '-' (0x2D).
    #expect(SigV4.canonicalQuery([("b", "1"), ("B", "2"), ("a-b", "3"), ("a b", "4")]) == "B=2&a%20b=4&a-b=3&b=1")
    #expect(SigV4.canonicalQuery([("k", "a+b c~/é")]) == "k=a%2Bb%20c~%2F%C3%A9")
    #expect(SigV4.canonicalQuery([("=&", "&=")]) == "%3D%26=%26%3D")
  }
}
