/// A write-once store of objects named by their SHA-256.
///
/// Every implementation (the local `.mlv/objects`, remotes later) passes the same conformance
/// suite in `Tests/MLVStoreTests/ObjectStoreConformance.swift`. Contracts:
/// - `write` is atomic: a reader sees the whole object or none; writing an object that already
///   exists succeeds without changing it.
/// - `read` returns the content only after checking that it hashes to `id`.
/// - Methods are safe to call from several threads at once.
public protocol ObjectStore: Sendable {
  /// Whether an object named `id` is present (not verified: cheap).
  func contains(_ id: ObjectID) -> Bool
  /// Stores `content` under `id`, which must be its SHA-256; returns false when it was already present.
  @discardableResult
  func write(_ content: UnsafeRawBufferPointer, id: ObjectID, role: ObjectRole) throws -> Bool
  /// The content of `id`, verified against its hash.
  func read(_ id: ObjectID) throws -> [UInt8]
  /// Every object id in the store, in no particular order.
  func allObjects() throws -> [ObjectID]
  /// The bytes the object occupies in the store, or nil when absent.
  func storedSize(_ id: ObjectID) -> Int?
  /// Deletes an object; deleting an absent object succeeds.
  func remove(_ id: ObjectID) throws
}

extension ObjectStore {
  /// Stores `content`, computing its id.
  @discardableResult
  public func write(_ content: [UInt8], role: ObjectRole) throws -> ObjectID {
    let id = SHA256.hash(content)
    try content.withUnsafeBytes { buf in _ = try write(buf, id: id, role: role) }
    return id
  }
}
