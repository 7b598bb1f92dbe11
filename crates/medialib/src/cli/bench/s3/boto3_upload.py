"""The direct S3 path of `medialib bench upload --storage`: boto3's upload_file of one
file with a given part size, timed. Credentials and region come from AWS_* as boto3
reads them. Prints the seconds the upload took."""
import sys
import time

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

endpoint, bucket, key, path, part = sys.argv[1:6]
client = boto3.client(
    "s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"})
)
transfer = TransferConfig(multipart_threshold=int(part), multipart_chunksize=int(part))
started = time.monotonic()
client.upload_file(path, bucket, key, Config=transfer)
print(time.monotonic() - started)
