//! `orgdesk export organizations|users`: the bulk file of every organization or user,
//! written as it is read (a page at a time), to a file or standard output.

use crate::cli::ExportCommand;
use crate::config::database_url;
use anyhow::Context;
use orgdesk_app::App;
use orgdesk_app::core::bulk::neutralised;
use std::io::Write;

pub async fn run(command: ExportCommand) -> anyhow::Result<()> {
    let ExportCommand {
        what,
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
    let mut export = app.export(what.kind()).await?;
    while let Some(rows) = export.next_rows().await? {
        for cells in rows {
            if for_spreadsheet {
                csv.write_record(cells.iter().map(|cell| neutralised(cell).into_owned()))
            } else {
                csv.write_record(&cells)
            }
            .context("writing the file")?;
        }
    }
    let written = export.written;
    csv.flush().context("writing the file")?;
    if let Some(path) = output {
        eprintln!(
            "{written} {} written to {}",
            what.kind().as_str(),
            path.display()
        );
    }
    app.close().await?;
    Ok(())
}
