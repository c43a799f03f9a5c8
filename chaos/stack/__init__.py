"""The embedded stack: what the suite starts on one machine when no target file is given."""
