"""The systems under test: the reference executor, the parallel executors, their
shared transaction rules and state backends."""
