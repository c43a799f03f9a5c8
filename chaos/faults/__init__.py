"""Fault injectors. Each one declares its blast radius and returns what it did, with times."""
