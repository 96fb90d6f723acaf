# Drives the local CloudWatch with whichever boto3 runs this script and prints what came back as
# one JSON object on stdout. The Go test (cloudwatch_test.go) computes the parameters, seeds the
# AWS/SQS metrics and checks the values.
#
# argv[1]: JSON {"endpoint": str|null, "namespace", "table", "start", "end", "t" (epoch seconds),
#                "queries": [MetricDataQuery...], "trimmed_queries": [MetricDataQuery...], "dashboard",
#                "dashboard_body", "alarm", "alarm_reason"}
import datetime
import json
import sys

import boto3
import botocore
from botocore.exceptions import ClientError

p = json.loads(sys.argv[1])
kw = {"region_name": "us-east-1"}
if p.get("endpoint"):
    kw["endpoint_url"] = p["endpoint"]  # boto3 1.26 predates AWS_ENDPOINT_URL
cw = boto3.client("cloudwatch", **kw)


def ts(epoch):
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)


def epoch(dt):
    return dt.timestamp()


def error_of(fn, modeled):
    try:
        fn()
    except ClientError as e:
        return {
            "code": e.response["Error"]["Code"],
            "message": e.response["Error"].get("Message", ""),
            "status": e.response["ResponseMetadata"].get("HTTPStatusCode"),
            "modeled": modeled is not None and isinstance(e, modeled),
            "class": type(e).__name__,
        }
    return None


out = {"boto3": boto3.__version__, "botocore": botocore.__version__}
t = ts(p["t"])
start, end = ts(p["start"]), ts(p["end"])
table = [{"Name": "DynamoDBTable", "Value": p["table"]}]

cw.put_metric_data(
    Namespace=p["namespace"],
    MetricData=[
        {"MetricName": "SymbolWriteCount", "Dimensions": table, "Timestamp": t, "Value": 5, "Unit": "Count"},
        {"MetricName": "SymbolWriteCount", "Dimensions": table, "Timestamp": t, "Unit": "Count",
         "StatisticValues": {"SampleCount": 2, "Sum": 3, "Minimum": 1, "Maximum": 2}},
        {"MetricName": "Latency", "Dimensions": table, "Timestamp": t, "Unit": "Milliseconds",
         "Values": [3, 2], "Counts": [1, 2]},
    ],
)
# Over 10 KiB: botocore ≥ 1.31 gzips it (PutMetricData's requestcompression trait).
bulk_dims = [{"Name": "Function", "Value": "bulk-" + "x" * 80}]
cw.put_metric_data(
    Namespace=p["namespace"],
    MetricData=[{"MetricName": "Bulk", "Dimensions": bulk_dims, "Timestamp": t, "Value": i % 10} for i in range(300)],
)

r = cw.get_metric_data(MetricDataQueries=p["queries"], StartTime=start, EndTime=end)
out["probe"] = [
    {"Id": x["Id"], "Label": x["Label"], "Values": x["Values"], "Timestamps": [epoch(v) for v in x["Timestamps"]],
     "StatusCode": x["StatusCode"]}
    for x in r["MetricDataResults"]
]
r = cw.get_metric_data(
    MetricDataQueries=[
        {"Id": "w", "MetricStat": {"Metric": {"Namespace": p["namespace"], "MetricName": "SymbolWriteCount", "Dimensions": table},
                                   "Period": 60, "Stat": "Sum"}, "ReturnData": True},
        {"Id": "e", "Expression": "FILL(w, 0) * 2", "Label": "doubled"},
    ],
    StartTime=start, EndTime=end, ScanBy="TimestampAscending",
)
out["ascending"] = [
    {"Id": x["Id"], "Label": x["Label"], "Values": x["Values"], "Timestamps": [epoch(v) for v in x["Timestamps"]]}
    for x in r["MetricDataResults"]
]

r = cw.list_metrics(Namespace=p["namespace"])
out["metrics"] = sorted(
    m["MetricName"] + "{" + ",".join(d["Name"] + "=" + d["Value"] for d in m.get("Dimensions", [])) + "}" for m in r["Metrics"]
)

r = cw.get_metric_statistics(
    Namespace=p["namespace"], MetricName="Latency", Dimensions=table, StartTime=start, EndTime=end, Period=300,
    Statistics=["Sum", "SampleCount", "Maximum", "Minimum", "Average"],
)
out["latency"] = [{k: (epoch(v) if k == "Timestamp" else v) for k, v in d.items()} for d in r["Datapoints"]]
r = cw.get_metric_statistics(
    Namespace=p["namespace"], MetricName="Bulk", Dimensions=bulk_dims, StartTime=start, EndTime=end, Period=300,
    ExtendedStatistics=["p50", "p90"],
)
out["bulk"] = [{k: (epoch(v) if k == "Timestamp" else v) for k, v in d.items()} for d in r["Datapoints"]]
r = cw.get_metric_data(MetricDataQueries=p["trimmed_queries"], StartTime=start, EndTime=end)
out["trimmed"] = [{"Id": x["Id"], "Values": x["Values"]} for x in r["MetricDataResults"]]

cw.put_dashboard(DashboardName=p["dashboard"], DashboardBody=p["dashboard_body"])
r = cw.get_dashboard(DashboardName=p["dashboard"])
out["dashboard"] = {k: r[k] for k in ("DashboardName", "DashboardBody", "DashboardArn")}
r = cw.list_dashboards(DashboardNamePrefix=p["dashboard"][:3])
out["dashboards"] = [{"DashboardName": d["DashboardName"], "Size": d["Size"], "LastModified": epoch(d["LastModified"])}
                     for d in r["DashboardEntries"]]

out["errors"] = {
    # Two shapes of the model have the code ResourceNotFound (DashboardNotFoundError and
    # ResourceNotFound); botocore's error factory maps the code to the last one.
    "missing_dashboard": error_of(lambda: cw.get_dashboard(DashboardName="no-such-dashboard"),
                                  (cw.exceptions.DashboardNotFoundError, cw.exceptions.ResourceNotFound)),
    "reserved_namespace": error_of(lambda: cw.put_metric_data(Namespace="AWS/SQS", MetricData=[{"MetricName": "x", "Value": 1}]),
                                   cw.exceptions.InvalidParameterValueException),
    "unknown_id": error_of(lambda: cw.get_metric_data(MetricDataQueries=[{"Id": "e", "Expression": "zz * 2"}],
                                                      StartTime=start, EndTime=end), None),
}
cw.delete_dashboards(DashboardNames=[p["dashboard"]])
out["after_delete"] = len(cw.list_dashboards()["DashboardEntries"])

# An alarm's life, read back through its history: missing data is breaching (ALARM at its first
# evaluation), SetAlarmState sets OK, its actions are disabled, then it is deleted. boto3's own
# paginator reads the history a page of one item at a time.
alarm, fn = p["alarm"], [{"Name": "FunctionName", "Value": "etl"}]


def history_items(items):
    return [{k: (epoch(v) if k == "Timestamp" else v) for k, v in i.items()} for i in items]


cw.put_metric_alarm(AlarmName=alarm, Namespace=p["namespace"], MetricName="Errors", Dimensions=fn, Statistic="Sum", Period=60,
                    EvaluationPeriods=1, Threshold=5, ComparisonOperator="GreaterThanThreshold", TreatMissingData="breaching",
                    AlarmActions=["arn:aws:sns:us-east-1:000000000000:ops"])
cw.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason=p["alarm_reason"])
cw.disable_alarm_actions(AlarmNames=[alarm])
r = cw.describe_alarms_for_metric(Namespace=p["namespace"], MetricName="Errors", Dimensions=fn)
out["alarms"] = {"for_metric": [{k: a[k] for k in ("AlarmName", "ActionsEnabled", "Dimensions")} for a in r["MetricAlarms"]]}
pages = cw.get_paginator("describe_alarm_history").paginate(AlarmName=alarm, PaginationConfig={"PageSize": 1})
out["alarms"]["history"] = history_items(i for page in pages for i in page["AlarmHistoryItems"])
cw.delete_alarms(AlarmNames=[alarm])
r = cw.describe_alarm_history(AlarmName=alarm, HistoryItemType="ConfigurationUpdate", MaxRecords=1)
out["alarms"]["after_delete"] = history_items(r["AlarmHistoryItems"])
json.dump(out, sys.stdout)
