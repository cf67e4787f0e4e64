"""What a submission is, below both the reader (intake) and the checks (quality).

The contract (sheets, columns, units, file names), the rule catalogue, `Finding` and the version
statuses, the cell normalisation, the byte-level file guards and `ParsedSubmission`: everything
intake and quality both need lives here, so neither imports the other (import-linter contracts in
pyproject.toml). Nothing here imports intake, quality or anything above them.
"""
