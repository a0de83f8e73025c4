//! fission: a self-hosted referral ("裂变") campaign server.

pub mod assets;
pub mod audit;
pub mod auth;
pub mod campaigns;
pub mod cli;
pub mod config;
pub mod console;
pub mod db;
pub mod demo;
pub mod fraud;
pub mod groups;
pub mod health;
pub mod http;
pub mod jobs;
pub mod pages;
pub mod participants;
pub mod posters;
pub mod reviews;
pub mod rewards;
pub mod routes;
pub mod sms;
pub mod startup;
pub mod state;
pub mod stats;
pub mod users;
pub mod visits;
