"""The embedded local stack: moto server (S3 + DynamoDB) and PostgreSQL."""
