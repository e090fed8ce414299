/**
 * The seeder's model and its database: {@link dev.grove.seeder.model.Repository repositories}, their immutable
 * numbered {@link dev.grove.seeder.model.RepositoryVersion versions} (ref -> commit maps) and
 * {@link dev.grove.seeder.model.SeederDistribution distributions} (a base path serving a repository's latest version
 * or a pinned one). Objects are not here: they live once, shared by checksum, in the node's object store.
 * {@link dev.grove.seeder.model.SeederDb} owns the RocksDB instance under {@code <data>/seeder-db}; its javadoc draws
 * the column families and keys, {@code ModelCodec} the value layouts.
 */
package dev.grove.seeder.model;
