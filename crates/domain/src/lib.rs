#![doc = include_str!("../README.md")]

mod customer;
mod error;
mod lookup;
mod phone;
mod ports;
mod priority;

pub use customer::{Customer, Depo};
pub use error::{BoxError, DirectoryError, PhoneError, StoreError};
pub use lookup::{Explanation, Found, explain_lookup, find_customer, find_customer_async};
pub use phone::{MAX_INPUT_CHARS, PhoneNumber, display_stored_number, warm_up};
pub use ports::{
    ActivityScope, ApiClientRecord, ApiClientStore, AsyncCustomerDirectory, Candidate,
    CandidateQuery, CustomerDirectory, PortFuture, TransactionActivity,
};
#[cfg(any(test, feature = "mock"))]
pub use ports::{MockApiClientStore, MockAsyncCustomerDirectory, MockCustomerDirectory};
pub use priority::{Activity, RECENT_WINDOW_DAYS, Ranking, Rule, compare, rank, window_start};
