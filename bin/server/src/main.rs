//! `klikorder-server`: the KlikOrder customer lookup service.
//!
//! This file only loads `.env`, parses the command line, sets up logging and
//! reports failures as one line on stderr; the rest lives in the modules.

mod cli;
mod clients;
mod config;
mod demo;
mod doctor;
mod logging;
mod lookup;
mod startup;

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command, ServeArgs};
use crate::config::Config;

fn main() -> ExitCode {
    let dotenv = dotenvy::dotenv();
    let cli = Cli::parse();
    let serving = matches!(cli.command, None | Some(Command::Serve(_)));
    logging::init(&cli.settings.log, cli.settings.log_format, serving);
    if let Err(error) = dotenv
        .map(drop)
        .or_else(|e| if e.not_found() { Ok(()) } else { Err(e) })
    {
        return fail(&anyhow::Error::new(error).context("cannot read .env"));
    }
    let outcome = run(cli);
    logging::flush();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_settings(&cli.settings)?;
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => startup::serve(&config, &args),
        Command::Migrate(args) if args.check => startup::check_schema(&config),
        Command::Migrate(_) => startup::migrate(&config),
        Command::Doctor => doctor::run(&config),
        Command::Lookup(args) => lookup::run(&config, &args),
        Command::Clients(command) => clients::run(&config, command),
    }
}

fn fail(error: &anyhow::Error) -> ExitCode {
    logging::flush();
    eprintln!("klikorder-server: error: {error:#}");
    ExitCode::FAILURE
}
