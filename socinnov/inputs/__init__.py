"""What users bring: the tabular reader for their files, the ingest that validates a cohort into
``data/processed``, and the jurors' rating workbooks (written and read back). Imports the call layer
only."""
