"""vrc console: a Textual app over core.Repository. Never imports boto3; core runs in worker threads."""
