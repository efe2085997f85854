import Testing

@testable import MLVRemote

/// The small XML extractor S3Backend reads replies with.
///
/// The S3 bodies are moto 5.2.1's replies, captured from `boto3` with `mock_aws` (the list
/// without `encoding-type=url`, as mlv sends it), and the error body from the task's moto trace.
@Suite struct XMLTests {
  static let listPage =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    + "<IsTruncated>true</IsTruncated><Contents><Key>r/mlv-remote.json</Key><LastModified>2026-11-23T09:18:12.000Z</LastModified>"
    + "<ETag>\"99914b932bd37a50b983c5e7c90ae93b\"</ETag><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><Size>2</Size>"
    + "<StorageClass>STANDARD</StorageClass></Contents><Contents><Key>r/objects/ab/cd01</Key>"
    + "<LastModified>2026-11-23T09:18:12.000Z</LastModified><ETag>\"baf1da0e2b9065ab5edd36ca00ed1826\"</ETag>"
    + "<ChecksumAlgorithm>CRC32</ChecksumAlgorithm><Size>20</Size><StorageClass>STANDARD</StorageClass></Contents>"
    + "<Name>mlv-test</Name><Prefix>r/</Prefix><MaxKeys>2</MaxKeys><EncodingType>url</EncodingType><KeyCount>2</KeyCount>"
    + "<NextContinuationToken>9a111621546eb9565eb2070b2f9e901e</NextContinuationToken></ListBucketResult>"

  static let listWithEscapedKey =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    + "<IsTruncated>false</IsTruncated><Contents><Key>r/objects/ab/cd02</Key><LastModified>2026-11-23T09:18:18.000Z</LastModified>"
    + "<ETag>\"d41d8cd98f00b204e9800998ecf8427e\"</ETag><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><Size>0</Size>"
    + "<StorageClass>STANDARD</StorageClass></Contents><Contents><Key>r/packs/a&amp;b&lt;c&gt;'\"é.pack</Key>"
    + "<LastModified>2026-11-23T09:18:18.000Z</LastModified><ETag>\"2fb1c5cf58867b5bbc9a1b145a86f3a0\"</ETag>"
    + "<ChecksumAlgorithm>CRC32</ChecksumAlgorithm><Size>2</Size><StorageClass>STANDARD</StorageClass></Contents>"
    + "<Name>mlv-test</Name><Prefix>r/</Prefix><MaxKeys>1000</MaxKeys><KeyCount>2</KeyCount></ListBucketResult>"

  static let signatureError =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we "
    + "calculated does not match the signature you provided. Check your key and signing method.</Message>"
    + "<BucketName>mlv-test</BucketName><RequestId>x</RequestId><HostId>y</HostId></Error>"

  static let noSuchKey =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>"
    + "<Key>nope</Key><RequestId>Ud4Ts6fmbsjKLBP2yiYphqOt8vDltekGRoRwwYNFRRKuQrnv2t9z</RequestId>"
    + "<HostId>9Gjjt1m+cjU4OPvX9O9/8RuvnG41MRb/18Oux2o5H5MY7ISNTlXN+Dz9IG62/ILVxhAGI0qyPfg=</HostId></Error>"

  static let noSuchBucket =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist"
    + "</Message><BucketName>no-such-bucket</BucketName><RequestId>4swVmEfi114bl9txAyLw6Mh80saGkDe5hdzx5l1hmXMvjpfBTucm</RequestId>"
    + "<HostId>9Gjjt1m+cjU4OPvX9O9/8RuvnG41MRb/18Oux2o5H5MY7ISNTlXN+Dz9IG62/ILVxhAGI0qyPfg=</HostId></Error>"

  @Test func elementsInOrder() {
    #expect(XML.elements("K", in: "<r><K>a</K><K>b</K><x/><K></K></r>") == ["a", "b", ""])
    #expect(XML.elements("K", in: "no tags here") == [])
    #expect(XML.elements("K", in: "") == [])
    #expect(XML.values("K", in: "<K>1</K>\n  <K>2</K>") == ["1", "2"])
    #expect(XML.value("K", in: "<K>first</K><K>second</K>") == "first")
    #expect(XML.value("Missing", in: "<K>x</K>") == nil)
    // Text is returned raw, whitespace included.
    #expect(XML.elements("K", in: "<K>  a b\n</K>") == ["  a b\n"])
  }

  @Test func tagNamesMatchExactly() {
    // <KeyCount> and </KeyCount> are not <Key> and </Key>.
    let text: Substring = "<KeyCount>2</KeyCount><Key>k</Key><Keys>x</Keys>"
    #expect(XML.elements("Key", in: text) == ["k"])
    #expect(XML.value("KeyCount", in: text) == "2")
    #expect(XML.elements("Ke", in: text) == [])
    // Case matters.
    #expect(XML.value("key", in: text) == nil)
  }

  @Test func emptyElements() {
    #expect(XML.elements("Tag", in: "<Tag/>") == [""])
    #expect(XML.elements("Tag", in: "<a><Tag/><Tag>x</Tag><Tag/></a>") == ["", "x", ""])
    #expect(XML.value("Tag", in: "<Tag/><Tag>x</Tag>") == "")
    #expect(XML.value("Tag", in: "<Tag></Tag>") == "")
  }

  /// `<Tag />` and `<Tag a="1"/>` are empty elements too (XML allows blanks and attributes
  /// before `/>`); they must not open an element that runs to the next `</Tag>`.
  @Test func emptyElementsWithBlankOrAttributes() {
    #expect(XML.elements("Tag", in: "<Tag />") == [""])
    #expect(XML.elements("Tag", in: "<Tag a=\"1\"/>") == [""])
    #expect(XML.elements("Tag", in: "<Tag /><Tag>x</Tag>") == ["", "x"])
  }

  @Test func attributesAreSkipped() {
    #expect(XML.elements("Tag", in: "<Tag a=\"1\" b='2'>v</Tag>") == ["v"])
    #expect(
      XML.value("ListBucketResult", in: "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">in</ListBucketResult>") == "in"
    )
    #expect(XML.elements("Tag", in: "<Tag x=\"y\">1</Tag><Tag>2</Tag>") == ["1", "2"])
    // An unterminated start tag or element ends the scan.
    #expect(XML.elements("Tag", in: "<Tag a=\"1\"") == [])
    #expect(XML.elements("Tag", in: "<Tag>1</Tag><Tag>2") == ["1"])
  }

  @Test func decodesEntitiesAndCharacterReferences() {
    #expect(XML.decode("plain") == "plain")
    #expect(XML.decode("") == "")
    #expect(XML.decode("a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;") == "a & b <c> \"d\" 'e'")
    #expect(XML.decode("&#38;&#60;&#x3E;&#x3e;") == "&<>>")
    #expect(XML.decode("caf&#233; &#xE9;t&#xe9;") == "café été")
    #expect(XML.decode("&#x1F600;&#128512;") == "😀😀")
    // One pass: "&amp;lt;" is the text "&lt;".
    #expect(XML.decode("&amp;lt;") == "&lt;")
    #expect(XML.decode("&amp;amp;") == "&amp;")
    // Unknown names and bad references are kept as written.
    #expect(XML.decode("&nbsp;x") == "&nbsp;x")
    #expect(XML.decode("&#xZZ;") == "&#xZZ;")
    #expect(XML.decode("&#xD800;") == "&#xD800;")
    #expect(XML.decode("&#x110000;") == "&#x110000;")
    #expect(XML.decode("&#;") == "&#;")
    #expect(XML.decode("a & b") == "a & b")
    #expect(XML.decode("trailing &") == "trailing &")
    #expect(XML.values("K", in: "<K>a&amp;b</K><K>&lt;</K>") == ["a&b", "<"])
  }

  @Test func escapeRoundTrips() {
    #expect(XML.escape("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d\"e'f")
    #expect(XML.escape("&amp;") == "&amp;amp;")
    for text in ["", "plain", "a&b", "<Key>x</Key>", "&amp;", "é &#233;", "r/packs/a&b<c>'\"é.pack"] {
      let escaped = XML.escape(text)
      #expect(XML.decode(escaped[...]) == text)
      #expect(XML.value("Key", in: "<Key>\(escaped)</Key>"[...]) == text)
    }
  }

  @Test func s3ListBucketResult() {
    let text = Self.listPage[...]
    let contents = XML.elements("Contents", in: text)
    #expect(contents.count == 2)
    #expect(contents.map { XML.value("Key", in: $0) } == ["r/mlv-remote.json", "r/objects/ab/cd01"])
    #expect(contents.map { XML.value("Size", in: $0).flatMap { Int($0) } } == [2, 20])
    #expect(contents.map { XML.value("ETag", in: $0) } == ["\"99914b932bd37a50b983c5e7c90ae93b\"", "\"baf1da0e2b9065ab5edd36ca00ed1826\""])
    #expect(XML.value("IsTruncated", in: text) == "true")
    #expect(XML.value("NextContinuationToken", in: text) == "9a111621546eb9565eb2070b2f9e901e")
    #expect(XML.value("KeyCount", in: text) == "2")
    #expect(XML.value("Prefix", in: text) == "r/")
    #expect(XML.value("Code", in: text) == nil)

    let escaped = Self.listWithEscapedKey[...]
    #expect(XML.value("IsTruncated", in: escaped) == "false")
    #expect(XML.value("NextContinuationToken", in: escaped) == nil)
    let keys = XML.elements("Contents", in: escaped).map { XML.value("Key", in: $0) }
    #expect(keys == ["r/objects/ab/cd02", "r/packs/a&b<c>'\"é.pack"])
    #expect(XML.elements("Contents", in: escaped).map { XML.value("Size", in: $0) } == ["0", "2"])
  }

  @Test func s3Errors() {
    let signature = Self.signatureError[...]
    #expect(XML.value("Code", in: signature) == "SignatureDoesNotMatch")
    #expect(
      XML.value("Message", in: signature)
        == "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
    #expect(XML.value("BucketName", in: signature) == "mlv-test")
    #expect(XML.value("RequestId", in: signature) == "x")
    #expect(XML.value("HostId", in: signature) == "y")
    #expect(XML.elements("Error", in: signature).count == 1)

    #expect(XML.value("Code", in: Self.noSuchKey[...]) == "NoSuchKey")
    #expect(XML.value("Key", in: Self.noSuchKey[...]) == "nope")
    #expect(XML.value("Code", in: Self.noSuchBucket[...]) == "NoSuchBucket")
    #expect(XML.value("Message", in: Self.noSuchBucket[...]) == "The specified bucket does not exist")
  }

  /// A DeleteObjects reply with per-key errors, and multipart listings (AWS's documented shapes).
  @Test func s3DeleteAndMultipartReplies() {
    let deleted: Substring =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      + "<Deleted><Key>objects/ab/1</Key></Deleted><Error><Key>objects/ab/2</Key><Code>AccessDenied</Code>"
      + "<Message>Access Denied</Message></Error><Error><Key>objects/ab/3</Key><Code>InternalError</Code>"
      + "<Message>We encountered an internal error. Please try again.</Message></Error></DeleteResult>"
    let errors = XML.elements("Error", in: deleted)
    #expect(errors.count == 2)
    #expect(errors.map { XML.value("Key", in: $0) } == ["objects/ab/2", "objects/ab/3"])
    #expect(errors.map { XML.value("Code", in: $0) } == ["AccessDenied", "InternalError"])

    let uploads: Substring =
      "<ListMultipartUploadsResult><Bucket>b</Bucket><KeyMarker></KeyMarker><UploadIdMarker/>"
      + "<Upload><Key>p/packs/1.pack</Key><UploadId>id-1</UploadId><Initiator><ID>i</ID></Initiator></Upload>"
      + "<Upload><Key>p/packs/2.pack</Key><UploadId>id-2</UploadId></Upload><IsTruncated>false</IsTruncated>"
      + "</ListMultipartUploadsResult>"
    let listed = XML.elements("Upload", in: uploads)
    #expect(listed.map { XML.value("UploadId", in: $0) } == ["id-1", "id-2"])
    #expect(XML.value("UploadIdMarker", in: uploads) == "")

    let parts: Substring =
      "<ListPartsResult><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>2</NextPartNumberMarker>"
      + "<IsTruncated>true</IsTruncated><Part><PartNumber>1</PartNumber><ETag>&quot;7778aef83f66abc1fa1e8477f296d394&quot;</ETag>"
      + "<Size>5242880</Size></Part><Part><PartNumber>2</PartNumber><ETag>\"aaaa\"</ETag><Size>10</Size></Part></ListPartsResult>"
    let p = XML.elements("Part", in: parts)
    #expect(p.map { XML.value("PartNumber", in: $0) } == ["1", "2"])
    #expect(p.map { XML.value("ETag", in: $0) } == ["\"7778aef83f66abc1fa1e8477f296d394\"", "\"aaaa\""])
    #expect(XML.value("NextPartNumberMarker", in: parts) == "2")
  }
}
