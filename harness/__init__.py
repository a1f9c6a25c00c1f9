"""Finding and keeping divergences between executors."""
