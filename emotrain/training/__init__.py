"""Training building blocks: small classes that take plain values and know nothing of the CLI."""
