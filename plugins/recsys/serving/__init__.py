"""Serving stage: the model registry in the lake and publishing recommendations to DynamoDB."""
