"""Running Spark: the session, cached Delta jars, progress logging."""
