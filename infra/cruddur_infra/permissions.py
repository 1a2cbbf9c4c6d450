"""Exactly what each component calls on the table: the stacks grant these and nothing more.

`tests/infra/test_permissions.py` records the calls each component really makes (on the wire, in
front of DynamoDB Local) and compares them with these lists, so a new call fails a test until it
is granted here, and a grant the code no longer needs fails too.
"""

from __future__ import annotations

# The API (Fargate task role). TransactWriteItems needs the actions of its items: all are Puts.
API_TABLE_ACTIONS = (
    "dynamodb:BatchGetItem",  # is there a block between two users (both directions at once)
    "dynamodb:DeleteItem",  # unblock (inside a transaction)
    "dynamodb:DescribeTable",  # /readyz
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
)
API_INDEX_ACTIONS = ("dynamodb:Query",)
# The API on the keys table: each person's key read (a page's authors at once), made at their
# first words, destroyed when they are erased.
API_KEYS_ACTIONS = ("dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:PutItem")

# The stream processor (Lambda execution role): the inbox updates, a group's as PartiQL UPDATE
# statements (BatchExecuteStatement needs the PartiQL action of its statements), and reading a
# row on replay or a group's membership item.
STREAM_TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PartiQLUpdate", "dynamodb:UpdateItem")
# What the event source mapping does with the function's role to read the stream.
STREAM_READ_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)

# The API wraps (GenerateDataKey) and unwraps (Decrypt) the data keys that seal message text,
# with the client-side message key; the stream processor has no action on that key.
MESSAGE_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")

# DynamoDB uses the table's key on the caller's behalf (kms:ViaService); nothing else may.
TABLE_KEY_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey")

# The API on the attachments bucket (infra/cruddur_infra/attachments.py), on uploads/* and
# files/* only. PutObject also covers what a browser's presigned POST uploads; GetObject what a
# presigned GET serves; DeleteObjects needs s3:DeleteObject. Recorded against moto's S3 by
# tests/infra/test_attachments_s3.py.
ATTACHMENT_OBJECT_ACTIONS = ("s3:DeleteObject", "s3:GetObject", "s3:PutObject")
# SSE-KMS: writing an object makes a data key, reading one decrypts it.
ATTACHMENT_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
