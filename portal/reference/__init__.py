"""Reference data: dated figures the rules apply, CPV divisions, postcode districts. Loaded by
`flask seed` from the files in data/, edited later by admins; never written into code."""
