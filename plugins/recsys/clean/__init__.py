"""Clean stage: run the Spark clean job (spark-submit locally, AWS Glue 5 in AWS) and register its tables."""
