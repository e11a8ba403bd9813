//! `orgdesk export organizations`: the bulk file of every organization, written as it is
//! read (a page at a time), to a file or standard output.

use crate::cli::ExportCommand;
use crate::config::database_url;
use anyhow::Context;
use orgdesk_app::App;
use orgdesk_app::core::Error;
use orgdesk_app::core::bulk::neutralised;
use std::io::Write;

pub async fn run(command: ExportCommand) -> anyhow::Result<()> {
    let ExportCommand::Organizations {
        output,
        for_spreadsheet,
        database,
    } = command;
    let url = database_url(database.database.as_deref())?;
    let app = App::open(&url)
        .await
        .with_context(|| format!("opening the database {url}"))?;
    let sink: Box<dyn Write> = match &output {
        Some(path) => Box::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut csv = csv::Writer::from_writer(std::io::BufWriter::new(sink));
    let written = app
        .export_organizations(|cells| {
            let written = if for_spreadsheet {
                csv.write_record(cells.iter().map(|cell| neutralised(cell).into_owned()))
            } else {
                csv.write_record(&cells)
            };
            written.map_err(|err| {
                Error::Internal(orgdesk_app::core::Internal::caused_by(
                    "writing the file",
                    err,
                ))
            })
        })
        .await?;
    csv.flush().context("writing the file")?;
    if let Some(path) = output {
        eprintln!("{written} organizations written to {}", path.display());
    }
    app.close().await?;
    Ok(())
}
