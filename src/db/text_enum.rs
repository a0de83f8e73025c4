//! Statuses and kinds are enums in code and their names as TEXT in the database. One
//! macro gives such an enum its name (`as_str`, `parse`) and makes it bindable and
//! readable on both backends, so no other place spells the mapping out.

/// `text_enum!(Status { Draft = "draft", Active = "active" });` for an enum whose serde
/// names are the same strings.
#[macro_export]
macro_rules! text_enum {
    ($ty:ident { $($variant:ident = $name:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }

            pub fn parse(raw: &str) -> Option<$ty> {
                match raw {
                    $($name => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        $crate::text_enum!(@backend $ty, ::sqlx::Sqlite);
        $crate::text_enum!(@backend $ty, ::sqlx::Postgres);
    };
    (@backend $ty:ident, $db:ty) => {
        impl ::sqlx::Type<$db> for $ty {
            fn type_info() -> <$db as ::sqlx::Database>::TypeInfo {
                <&str as ::sqlx::Type<$db>>::type_info()
            }
            fn compatible(ty: &<$db as ::sqlx::Database>::TypeInfo) -> bool {
                <&str as ::sqlx::Type<$db>>::compatible(ty)
            }
        }

        impl<'q> ::sqlx::Encode<'q, $db> for $ty {
            fn encode_by_ref(
                &self,
                buf: &mut <$db as ::sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<::sqlx::encode::IsNull, ::sqlx::error::BoxDynError> {
                let name: &'q str = self.as_str();
                <&str as ::sqlx::Encode<'q, $db>>::encode_by_ref(&name, buf)
            }
        }

        impl<'r> ::sqlx::Decode<'r, $db> for $ty {
            fn decode(
                value: <$db as ::sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, ::sqlx::error::BoxDynError> {
                let raw = <&str as ::sqlx::Decode<'r, $db>>::decode(value)?;
                $ty::parse(raw).ok_or_else(|| {
                    format!("'{raw}' is not a {}", stringify!($ty)).into()
                })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Sample {
        FirstOne,
        Second,
    }
    crate::text_enum!(Sample { FirstOne = "first_one", Second = "second" });

    #[test]
    fn names_match_serde_and_parse_back() {
        for s in Sample::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(Sample::parse(s.as_str()), Some(*s));
        }
        assert_eq!(Sample::parse("third"), None);
    }

    #[tokio::test]
    async fn enums_round_trip_through_sqlite() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let back: Sample = sqlx::query_scalar("SELECT $1")
            .bind(Sample::FirstOne)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(back, Sample::FirstOne);
        let bad: Result<Sample, _> = sqlx::query_scalar("SELECT 'third'").fetch_one(&pool).await;
        assert!(bad.is_err());
    }
}
