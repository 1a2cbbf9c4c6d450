"""A month of AWS costs for a workload: measured capacity per operation × list prices.

Three inputs, each from where it is known best: the workload from the operator; DynamoDB units
and calls per operation from the benchmark (`make bench`, ReturnConsumedCapacity on DynamoDB
Local); the deployment's shape from `infra/` (a test keeps `Deployment` equal to the templates).
What is neither measured nor deployed is an assumption with a name, printed with the estimate.

The inputs are in inputs.py; the table's lines in table.py (items sized by sizes.py), the rest
of the stacks' in stack.py; here they are added up into the estimate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from cruddur.costs import stack, table
from cruddur.costs.bill import Line
from cruddur.costs.inputs import Deployment, MeasuredUnits, Workload
from cruddur.costs.prices import Prices


@dataclass(frozen=True)
class Estimate:
    """Monthly USD. `shared` is paid either way; the table is on-demand or provisioned."""

    shared: list[Line]
    on_demand: Line
    provisioned: Line
    not_priced: list[str] = field(default_factory=list)

    @property
    def total_on_demand(self) -> float:
        return round(sum(line.usd for line in self.shared) + self.on_demand.usd, 2)

    @property
    def total_provisioned(self) -> float:
        return round(sum(line.usd for line in self.shared) + self.provisioned.usd, 2)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {
            "total_on_demand": self.total_on_demand,
            "total_provisioned": self.total_provisioned,
        }


NOT_PRICED = [
    "CloudWatch Logs (VPC flow logs, Lambda and API logs): priced per GB ingested",
    "data transfer out to the internet",
    "the users' PostgreSQL database (DATABASE_URL points outside the stacks)",
    "Cognito (per monthly active user past its free tier)",
    "S3 for the attachments (photos and files: storage and requests)",
    "S3 for the CloudTrail and access logs, SQS for the dead letters, ECR for the image",
    "AWS Config rules (only with the config_rules context flag)",
]
# The stream function's billed time is assumed per message (a direct one's two rows); a group's
# message has it write every member's row, which is counted in write units, not in its time.
GROUP_LAMBDA = "the stream function's longer run writing a group's rows (priced as a direct one's)"


def estimate(
    workload: Workload,
    units: MeasuredUnits,
    prices: Prices,
    deployment: Deployment | None = None,
) -> Estimate:
    deploy = deployment or Deployment()
    day = table.per_day(workload, units)
    ddb = prices["dynamodb"]
    shared = [
        table.storage(workload, ddb),
        table.streams(ddb),
        stack.stream_processor(workload, deploy, prices["lambda"]),
        stack.live_events(workload, deploy, prices["elasticache_serverless_valkey"]),
        *stack.api(workload, deploy, prices),
        stack.fixed(deploy, prices),
        table.data_events(day, prices["cloudtrail"]),
    ]
    return Estimate(
        shared=[_rounded(line) for line in shared],
        on_demand=_rounded(table.on_demand(day, ddb)),
        provisioned=_rounded(table.provisioned(day, workload.peak_to_mean, ddb)),
        not_priced=list(NOT_PRICED) + ([GROUP_LAMBDA] if workload.group_mix else []),
    )


def _rounded(line: Line) -> Line:
    return Line(line.service, round(line.usd, 2), line.detail)
