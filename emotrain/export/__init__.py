"""RTNeural export and its numerical verification."""
