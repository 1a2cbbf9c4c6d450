"""Cruddur on AWS: the CDK app's stacks, the Lambda package, and the checks `make infra` runs."""
