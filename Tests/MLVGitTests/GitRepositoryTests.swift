import MLVGit
import MLVTestSupport
import Testing

@Suite struct GitRepositoryTests {
  @Test func discoversTheWorkTreeFromASubdirectory() throws {
    let repo = try TemporaryGitRepository()
    try repo.directory.write("a/b/file.txt", "x")
    let git = try GitRepository(discoveringFrom: repo.directory.url("a/b"))
    #expect(git.workTree == repo.path)
  }

  @Test func refusesOutsideARepository() throws {
    let dir = TemporaryDirectory()
    #expect(throws: GitError.notARepository(dir.path)) { try GitRepository(discoveringFrom: dir.path) }
  }

  @Test func readsFilesAtCommitsAndHistoryWithoutTouchingHEAD() throws {
    let repo = try TemporaryGitRepository()
    try repo.directory.write("data/x.mlv", "one\n")
    try repo.directory.write("other.txt", "o\n")
    try repo.commitAll("first")
    try repo.directory.write("data/x.mlv", "two\n")
    try repo.directory.write("data/deep/y.mlv", "y\n")
    try repo.commitAll("second")
    let head = try repo.git("rev-parse", "HEAD")
    let git = try GitRepository(discoveringFrom: repo.path)

    let first = try git.resolveCommit("HEAD~1")
    let files = try git.files(at: first, withSuffix: ".mlv")
    #expect(files.map(\.path) == ["data/x.mlv"])
    #expect(try git.blob(files[0].blob) == Array("one\n".utf8))
    #expect(try git.files(at: git.resolveCommit("HEAD"), withSuffix: ".mlv").map(\.path).sorted() == ["data/deep/y.mlv", "data/x.mlv"])
    #expect(try git.file(at: first, path: "data/deep/y.mlv") == nil)
    #expect(try git.history(from: git.resolveCommit("HEAD")).count == 2)
    let info = try git.commitInfo(git.resolveCommit("HEAD"))
    #expect(info.summary == "second")
    #expect(info.author == "Test")
    #expect(info.parents == [first])
    #expect(throws: GitError.unknownRevision("nope")) { try git.resolveCommit("nope") }
    #expect(try repo.git("rev-parse", "HEAD") == head)
  }

  @Test func readsStagedFilesAndEveryReachableCommit() throws {
    let repo = try TemporaryGitRepository()
    try repo.directory.write("a.mlv", "a\n")
    try repo.commitAll("a")
    try repo.git("checkout", "-q", "-b", "side")
    try repo.directory.write("b.mlv", "b\n")
    try repo.commitAll("b")
    try repo.git("checkout", "-q", "main")
    try repo.directory.write("c.mlv", "c\n")
    try repo.git("add", "c.mlv")
    let git = try GitRepository(discoveringFrom: repo.path)
    #expect(try git.stagedFiles(withSuffix: ".mlv").map(\.path) == ["a.mlv", "c.mlv"])
    #expect(try git.reachableCommits().count == 2)
    #expect(git.configValue("user.name") == "Test")
  }
}
