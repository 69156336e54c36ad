//! Checking a database the service does not own: does it have the tables,
//! columns and indexes the service needs? Read-only.

use std::fmt;

use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use crate::{DbConnection, DbPool, Engine, PersistenceError};

/// Something the database lacks, or has in a shape the service cannot use,
/// as [`check_schema`] finds it. Its `Display` is one line for a human,
/// with the statement that fixes it where there is one:
///
/// ```text
/// table transactions is missing
/// table customers: column no_hp_goovi is missing
/// table customers: column depo_id has type character varying, expected BIGINT
/// table customers: column nama allows NULL; the service needs it NOT NULL
/// table api_clients: column revoked_at is NOT NULL; the service stores NULL in it
/// index on customers(no_hp) is missing — CREATE INDEX customers_no_hp_index ON customers (no_hp);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SchemaProblem {
    /// A table does not exist (or the database user cannot see it). Its
    /// columns and indexes are not listed separately.
    MissingTable {
        /// The table.
        table: &'static str,
    },
    /// A column does not exist. Indexes over it are not listed separately.
    MissingColumn {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
    },
    /// A column's type cannot be read (or written) as the service does.
    IncompatibleType {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// The type the database reports, as it names it.
        found: String,
        /// What would do, in the engine's words.
        expected: &'static str,
    },
    /// A column the service reads as NOT NULL allows NULL: a row holding
    /// NULL there would make the lookup fail.
    NullableColumn {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
    },
    /// A column the service writes NULL into (in its own `api_clients`
    /// table) is NOT NULL.
    NotNullColumn {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
    },
    /// No index begins with these columns, so the lookup would scan the
    /// table.
    MissingIndex {
        /// The table.
        table: &'static str,
        /// The columns an index must begin with, in order.
        columns: &'static [&'static str],
        /// The statement that creates it on this engine (PostgreSQL:
        /// `CONCURRENTLY`, MySQL: `ALGORITHM=INPLACE LOCK=NONE`, so that
        /// writes go on meanwhile).
        create_index: String,
    },
}

impl SchemaProblem {
    /// The table the problem is about.
    #[must_use]
    pub const fn table(&self) -> &'static str {
        match self {
            Self::MissingTable { table }
            | Self::MissingColumn { table, .. }
            | Self::IncompatibleType { table, .. }
            | Self::NullableColumn { table, .. }
            | Self::NotNullColumn { table, .. }
            | Self::MissingIndex { table, .. } => table,
        }
    }

    /// The `CREATE INDEX` statement that fixes a [`SchemaProblem::MissingIndex`].
    #[must_use]
    pub fn create_index(&self) -> Option<&str> {
        match self {
            Self::MissingIndex { create_index, .. } => Some(create_index),
            _ => None,
        }
    }
}

impl fmt::Display for SchemaProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingTable { table } => write!(f, "table {table} is missing"),
            Self::MissingColumn { table, column } => {
                write!(f, "table {table}: column {column} is missing")
            }
            Self::IncompatibleType {
                table,
                column,
                found,
                expected,
            } => write!(
                f,
                "table {table}: column {column} has type {found}, expected {expected}"
            ),
            Self::NullableColumn { table, column } => write!(
                f,
                "table {table}: column {column} allows NULL; the service needs it NOT NULL"
            ),
            Self::NotNullColumn { table, column } => write!(
                f,
                "table {table}: column {column} is NOT NULL; the service stores NULL in it"
            ),
            Self::MissingIndex {
                table,
                columns,
                create_index,
            } => write!(
                f,
                "index on {table}({}) is missing — {create_index}",
                columns.join(", ")
            ),
        }
    }
}

/// Compares the database behind `conn` with what the service expects
/// (CONTRACT §5 and its own `api_clients`) and lists every difference that
/// matters: a missing table, a missing column, a column of a type the
/// service cannot read, a nullability the service cannot live with, and a
/// missing index on `customers(no_hp)`, `customers(no_hp_goovi)` or
/// `transactions(customer_id, tanggal_transaksi)` (any index whose leading
/// columns are these counts, whatever its name). Empty means ready.
///
/// It only reads the catalog (`information_schema` and, for PostgreSQL's
/// indexes, `pg_catalog`; SQLite's `pragma_table_info` / `pragma_index_list`)
/// in the connection's current schema / database, and changes nothing.
/// Extra tables, columns and indexes are fine.
///
/// # Errors
///
/// [`PersistenceError::Query`] when the catalog cannot be read.
pub fn check_schema(conn: &mut DbConnection) -> Result<Vec<SchemaProblem>, PersistenceError> {
    let engine = conn.engine();
    let mut problems = Vec::new();
    for table in EXPECTED {
        let columns = load_columns(conn, table.name)?;
        if columns.is_empty() {
            problems.push(SchemaProblem::MissingTable { table: table.name });
            continue;
        }
        for expected in table.columns {
            let Some(found) = columns.iter().find(|c| c.name == expected.name) else {
                problems.push(SchemaProblem::MissingColumn {
                    table: table.name,
                    column: expected.name,
                });
                continue;
            };
            if !expected.family.accepts(engine, &found.data_type) {
                problems.push(SchemaProblem::IncompatibleType {
                    table: table.name,
                    column: expected.name,
                    found: found.data_type.clone(),
                    expected: expected.family.describe(engine),
                });
            }
            let nullable = found.is_nullable.eq_ignore_ascii_case("YES");
            match expected.null {
                Null::Forbidden if nullable => problems.push(SchemaProblem::NullableColumn {
                    table: table.name,
                    column: expected.name,
                }),
                Null::Written if !nullable => problems.push(SchemaProblem::NotNullColumn {
                    table: table.name,
                    column: expected.name,
                }),
                _ => {}
            }
        }
        if table.indexes.is_empty() {
            continue;
        }
        let indexes = load_indexes(conn, table.name)?;
        for index in table.indexes {
            let columns_exist = index
                .columns
                .iter()
                .all(|name| columns.iter().any(|c| c.name == *name));
            let served = indexes.iter().any(|existing| {
                existing.columns.len() >= index.columns.len()
                    && existing
                        .columns
                        .iter()
                        .zip(index.columns)
                        .all(|(have, want)| have.as_deref() == Some(*want))
            });
            if columns_exist && !served {
                problems.push(SchemaProblem::MissingIndex {
                    table: table.name,
                    columns: index.columns,
                    create_index: create_index_statement(
                        engine, table.name, index, &columns, &indexes,
                    ),
                });
            }
        }
    }
    Ok(problems)
}

/// [`check_schema`] on a connection from `pool`.
///
/// # Errors
///
/// [`PersistenceError::Pool`] when no connection is available, else as
/// [`check_schema`].
pub fn check_schema_with_pool(pool: &DbPool) -> Result<Vec<SchemaProblem>, PersistenceError> {
    let mut conn = pool.get()?;
    check_schema(&mut conn)
}

/// What the service expects of a table.
struct ExpectedTable {
    name: &'static str,
    columns: &'static [ExpectedColumn],
    indexes: &'static [ExpectedIndex],
}

struct ExpectedColumn {
    name: &'static str,
    family: Family,
    null: Null,
}

struct ExpectedIndex {
    /// The name the migrations give it, for the suggested statement.
    name: &'static str,
    columns: &'static [&'static str],
}

/// Where NULL matters.
#[derive(Clone, Copy)]
enum Null {
    /// Read into a non-`Option` field: must be NOT NULL.
    Forbidden,
    /// Read as an `Option`, or not read: either way.
    Either,
    /// The service writes NULL into it: must allow NULL.
    Written,
}

/// The kinds of column types the service reads.
#[derive(Clone, Copy)]
enum Family {
    BigInt,
    Text,
    Timestamp,
}

impl Family {
    /// Whether a column of `data_type` (as the engine's catalog names it)
    /// reads into this family.
    fn accepts(self, engine: Engine, data_type: &str) -> bool {
        let data_type = data_type.trim().to_ascii_lowercase();
        match engine {
            Engine::Postgres => match self {
                // diesel reads exactly 8 bytes for a BIGINT.
                Self::BigInt => data_type == "bigint",
                Self::Text => matches!(
                    data_type.as_str(),
                    "character varying" | "text" | "character"
                ),
                // `with time zone` would come back shifted to UTC.
                Self::Timestamp => data_type == "timestamp without time zone",
            },
            Engine::Mysql => {
                let base = data_type.split([' ', '(']).next().unwrap_or_default();
                match self {
                    // Signed or unsigned; diesel widens smaller integers.
                    Self::BigInt => {
                        matches!(
                            base,
                            "bigint" | "int" | "integer" | "mediumint" | "smallint"
                        )
                    }
                    Self::Text => matches!(
                        base,
                        "varchar"
                            | "char"
                            | "text"
                            | "tinytext"
                            | "mediumtext"
                            | "longtext"
                            | "enum"
                            | "set"
                    ),
                    Self::Timestamp => matches!(base, "datetime" | "timestamp"),
                }
            }
            Engine::Sqlite => {
                let affinity = sqlite_affinity(&data_type);
                match self {
                    Self::BigInt => affinity == Affinity::Integer,
                    Self::Text => affinity == Affinity::Text,
                    // Text 'YYYY-MM-DD HH:MM:SS' keeps its form under both.
                    Self::Timestamp => matches!(affinity, Affinity::Text | Affinity::Numeric),
                }
            }
        }
    }

    /// What would do, for messages.
    const fn describe(self, engine: Engine) -> &'static str {
        match (engine, self) {
            (Engine::Postgres, Self::BigInt) => "BIGINT",
            (Engine::Postgres, Self::Text) => "VARCHAR or TEXT",
            (Engine::Postgres, Self::Timestamp) => "TIMESTAMP (without time zone)",
            (Engine::Mysql, Self::BigInt) => "BIGINT (or INT)",
            (Engine::Mysql, Self::Text) => "VARCHAR or TEXT",
            (Engine::Mysql, Self::Timestamp) => "DATETIME or TIMESTAMP",
            (Engine::Sqlite, Self::BigInt) => "INTEGER or BIGINT",
            (Engine::Sqlite, Self::Text) => "VARCHAR or TEXT",
            (Engine::Sqlite, Self::Timestamp) => "TIMESTAMP or TEXT ('YYYY-MM-DD HH:MM:SS')",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Affinity {
    Integer,
    Text,
    Blob,
    Real,
    Numeric,
}

/// SQLite's rules for a declared type's affinity (section 3.1 of its
/// datatype documentation), on a lowercased type.
fn sqlite_affinity(declared: &str) -> Affinity {
    if declared.contains("int") {
        Affinity::Integer
    } else if ["char", "clob", "text"]
        .iter()
        .any(|t| declared.contains(t))
    {
        Affinity::Text
    } else if declared.is_empty() || declared.contains("blob") {
        Affinity::Blob
    } else if ["real", "floa", "doub"]
        .iter()
        .any(|t| declared.contains(t))
    {
        Affinity::Real
    } else {
        Affinity::Numeric
    }
}

const fn column(name: &'static str, family: Family, null: Null) -> ExpectedColumn {
    ExpectedColumn { name, family, null }
}

/// CONTRACT §5 plus `api_clients`, in `schema.rs` order.
const EXPECTED: &[ExpectedTable] = &[
    ExpectedTable {
        name: "depos",
        columns: &[
            column("id", Family::BigInt, Null::Forbidden),
            column("kode", Family::Text, Null::Forbidden),
            column("nama", Family::Text, Null::Forbidden),
            column("created_at", Family::Timestamp, Null::Either),
            column("updated_at", Family::Timestamp, Null::Either),
        ],
        indexes: &[],
    },
    ExpectedTable {
        name: "customers",
        columns: &[
            column("id", Family::BigInt, Null::Forbidden),
            column("kode", Family::Text, Null::Forbidden),
            column("nama", Family::Text, Null::Forbidden),
            column("nama_pemilik", Family::Text, Null::Either),
            column("kontak_person", Family::Text, Null::Either),
            column("no_hp", Family::Text, Null::Either),
            column("no_hp_goovi", Family::Text, Null::Either),
            column("status_pelanggan", Family::Text, Null::Either),
            column("keperluan_pelanggan", Family::Text, Null::Either),
            column("latitude", Family::Text, Null::Either),
            column("longitude", Family::Text, Null::Either),
            column("alamat_lengkap", Family::Text, Null::Either),
            column("kelurahan", Family::Text, Null::Either),
            column("kecamatan", Family::Text, Null::Either),
            column("kota", Family::Text, Null::Either),
            column("provinsi", Family::Text, Null::Either),
            column("depo_id", Family::BigInt, Null::Either),
            column("created_at", Family::Timestamp, Null::Either),
            column("updated_at", Family::Timestamp, Null::Either),
            column("deleted_at", Family::Timestamp, Null::Either),
        ],
        indexes: &[
            ExpectedIndex {
                name: "customers_no_hp_index",
                columns: &["no_hp"],
            },
            ExpectedIndex {
                name: "customers_no_hp_goovi_index",
                columns: &["no_hp_goovi"],
            },
        ],
    },
    ExpectedTable {
        name: "transactions",
        columns: &[
            column("id", Family::BigInt, Null::Either),
            // A NULL customer never matches and a NULL date never counts:
            // neither breaks the lookup.
            column("customer_id", Family::BigInt, Null::Either),
            column("tanggal_transaksi", Family::Timestamp, Null::Either),
            column("created_at", Family::Timestamp, Null::Either),
        ],
        indexes: &[ExpectedIndex {
            name: "transactions_customer_id_tanggal_transaksi_index",
            columns: &["customer_id", "tanggal_transaksi"],
        }],
    },
    ExpectedTable {
        name: "api_clients",
        columns: &[
            column("client_id", Family::Text, Null::Forbidden),
            column("name", Family::Text, Null::Written),
            column("key_hash", Family::Text, Null::Forbidden),
            column("created_at", Family::Timestamp, Null::Forbidden),
            column("updated_at", Family::Timestamp, Null::Forbidden),
            column("revoked_at", Family::Timestamp, Null::Written),
            column("expires_at", Family::Timestamp, Null::Written),
            column("last_seen_at", Family::Timestamp, Null::Written),
        ],
        indexes: &[],
    },
];

/// A column as the catalog describes it.
#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    /// `YES` or `NO`.
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

/// One column of one index.
#[derive(QueryableByName)]
struct IndexColumnRow {
    #[diesel(sql_type = Text)]
    index_name: String,
    /// NULL for an expression.
    #[diesel(sql_type = Nullable<Text>)]
    column_name: Option<String>,
}

/// An index and its key columns in order (`None` for an expression).
struct IndexColumns {
    name: String,
    columns: Vec<Option<String>>,
}

/// The columns of `table`, empty when it does not exist.
fn load_columns(conn: &mut DbConnection, table: &str) -> QueryResult<Vec<ColumnRow>> {
    let sql = match conn.engine() {
        Engine::Postgres => {
            "SELECT column_name::text AS name, data_type::text AS data_type, \
             is_nullable::text AS is_nullable \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 \
             ORDER BY ordinal_position"
        }
        Engine::Mysql => {
            "SELECT CAST(COLUMN_NAME AS CHAR) AS name, CAST(COLUMN_TYPE AS CHAR) AS data_type, \
             CAST(IS_NULLABLE AS CHAR) AS is_nullable \
             FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? \
             ORDER BY ORDINAL_POSITION"
        }
        Engine::Sqlite => {
            "SELECT name, type AS data_type, \
             CASE WHEN \"notnull\" = 0 AND pk = 0 THEN 'YES' ELSE 'NO' END AS is_nullable \
             FROM pragma_table_info(?) ORDER BY cid"
        }
    };
    diesel::sql_query(sql).bind::<Text, _>(table).load(conn)
}

/// The usable indexes of `table`: valid, not partial, not full-text; key
/// columns only.
fn load_indexes(conn: &mut DbConnection, table: &str) -> QueryResult<Vec<IndexColumns>> {
    let sql = match conn.engine() {
        Engine::Postgres => {
            "SELECT ic.relname::text AS index_name, a.attname::text AS column_name, \
                    k.ord AS position \
             FROM pg_catalog.pg_index x \
             JOIN pg_catalog.pg_class t ON t.oid = x.indrelid \
             JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
             CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
             WHERE n.nspname = current_schema() AND t.relname = $1 \
               AND x.indisvalid AND x.indpred IS NULL AND k.ord <= x.indnkeyatts \
             ORDER BY index_name, position"
        }
        Engine::Mysql => {
            "SELECT CAST(INDEX_NAME AS CHAR) AS index_name, \
                    CAST(COLUMN_NAME AS CHAR) AS column_name, \
                    CAST(SEQ_IN_INDEX AS SIGNED) AS position \
             FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_TYPE <> 'FULLTEXT' \
             ORDER BY index_name, position"
        }
        Engine::Sqlite => {
            "SELECT il.name AS index_name, ii.name AS column_name, ii.seqno AS position \
             FROM pragma_index_list(?) AS il, pragma_index_info(il.name) AS ii \
             WHERE il.partial = 0 \
             ORDER BY index_name, position"
        }
    };
    let rows: Vec<IndexColumnRow> = diesel::sql_query(sql).bind::<Text, _>(table).load(conn)?;
    let mut indexes: Vec<IndexColumns> = Vec::new();
    for row in rows {
        match indexes.last_mut() {
            Some(last) if last.name == row.index_name => last.columns.push(row.column_name),
            _ => indexes.push(IndexColumns {
                name: row.index_name,
                columns: vec![row.column_name],
            }),
        }
    }
    Ok(indexes)
}

/// The statement that creates `index` on this engine, without locking
/// writes out where the engine can: `CONCURRENTLY` on PostgreSQL,
/// `ALGORITHM=INPLACE LOCK=NONE` on MySQL (with a prefix length for a
/// TEXT column, which MySQL cannot index whole). The migrations' name,
/// unless an index of that name exists already (on other columns).
fn create_index_statement(
    engine: Engine,
    table: &str,
    index: &ExpectedIndex,
    columns: &[ColumnRow],
    existing: &[IndexColumns],
) -> String {
    let name = if existing.iter().any(|e| e.name == index.name) {
        format!("{}_lookup", index.name)
    } else {
        index.name.to_owned()
    };
    let key = index
        .columns
        .iter()
        .map(|column| {
            let is_text_blob = columns
                .iter()
                .any(|c| c.name == *column && c.data_type.to_ascii_lowercase().ends_with("text"));
            if engine == Engine::Mysql && is_text_blob {
                format!("{column}(64)")
            } else {
                (*column).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    match engine {
        Engine::Postgres => format!("CREATE INDEX CONCURRENTLY {name} ON {table} ({key});"),
        Engine::Mysql => {
            format!("CREATE INDEX {name} ON {table} ({key}) ALGORITHM=INPLACE LOCK=NONE;")
        }
        Engine::Sqlite => format!("CREATE INDEX {name} ON {table} ({key});"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_one_line_naming_its_table() {
        let problems = [
            SchemaProblem::MissingTable {
                table: "transactions",
            },
            SchemaProblem::MissingColumn {
                table: "customers",
                column: "no_hp_goovi",
            },
            SchemaProblem::IncompatibleType {
                table: "customers",
                column: "depo_id",
                found: "character varying".to_owned(),
                expected: Family::BigInt.describe(Engine::Postgres),
            },
            SchemaProblem::NullableColumn {
                table: "customers",
                column: "nama",
            },
            SchemaProblem::NotNullColumn {
                table: "api_clients",
                column: "revoked_at",
            },
            SchemaProblem::MissingIndex {
                table: "customers",
                columns: &["no_hp"],
                create_index: "CREATE INDEX customers_no_hp_index ON customers (no_hp);".to_owned(),
            },
        ];
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "table transactions is missing",
                "table customers: column no_hp_goovi is missing",
                "table customers: column depo_id has type character varying, expected BIGINT",
                "table customers: column nama allows NULL; the service needs it NOT NULL",
                "table api_clients: column revoked_at is NOT NULL; the service stores NULL in it",
                "index on customers(no_hp) is missing — CREATE INDEX customers_no_hp_index ON customers (no_hp);",
            ]
        );
        for problem in &problems {
            assert!(problem.to_string().contains(problem.table()));
        }
        assert!(problems[5].create_index().is_some());
        assert!(problems[0].create_index().is_none());
    }

    #[test]
    fn type_families_follow_each_engine() {
        use Engine::{Mysql, Postgres, Sqlite};
        use Family::{BigInt, Text, Timestamp};

        let cases = [
            (Postgres, BigInt, "bigint", true),
            (Postgres, BigInt, "integer", false),
            (Postgres, Text, "character varying", true),
            (Postgres, Text, "numeric", false),
            (Postgres, Timestamp, "timestamp without time zone", true),
            (Postgres, Timestamp, "timestamp with time zone", false),
            (Mysql, BigInt, "bigint(20) unsigned", true),
            (Mysql, BigInt, "bigint", true),
            (Mysql, BigInt, "varchar(20)", false),
            (Mysql, Text, "varchar(255)", true),
            (Mysql, Text, "enum('Verif','Belum Verif')", true),
            (Mysql, Text, "decimal(10,7)", false),
            (Mysql, Timestamp, "datetime", true),
            (Mysql, Timestamp, "timestamp", true),
            (Mysql, Timestamp, "date", false),
            (Sqlite, BigInt, "INTEGER", true),
            (Sqlite, BigInt, "BIGINT", true),
            (Sqlite, BigInt, "TEXT", false),
            (Sqlite, Text, "VARCHAR(255)", true),
            (Sqlite, Text, "BLOB", false),
            (Sqlite, Timestamp, "TIMESTAMP", true),
            (Sqlite, Timestamp, "DATETIME", true),
            (Sqlite, Timestamp, "TEXT", true),
            (Sqlite, Timestamp, "BIGINT", false),
        ];
        for (engine, family, data_type, ok) in cases {
            assert_eq!(
                family.accepts(engine, data_type),
                ok,
                "{engine} {data_type}"
            );
        }
    }

    #[test]
    fn the_expected_indexes_are_on_expected_columns() {
        for table in EXPECTED {
            for index in table.indexes {
                for column in index.columns {
                    assert!(
                        table.columns.iter().any(|c| c.name == *column),
                        "{}.{column}",
                        table.name
                    );
                }
            }
        }
    }
}
