package cloud

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/uuid"
)

// DynamoDB Local takes a table's SSESpecification and keeps nothing of it, and has no continuous
// backups (DescribeContinuousBackups is its UnknownOperationException): a stack that asks for
// encryption and point-in-time recovery, as the pipeline's does, read back as a table with neither.
// dynamoSettings keeps both for each table made through the gateway (every table here is) and
// answers them as DynamoDB does (and the TableId DynamoDB gives each table, which DynamoDB Local
// leaves out of its descriptions):
//   - DescribeTable (and CreateTable's and UpdateTable's TableDescription) carry SSEDescription
//     for a table encrypted with a KMS key (SSESpecification Enabled; without it DynamoDB uses a
//     key it owns, and says nothing); the key is the account's AWS managed key for DynamoDB
//     unless KMSMasterKeyId names one. There is no KMS here: the ARN is a name, not a key.
//   - DescribeContinuousBackups and UpdateContinuousBackups: point-in-time recovery on or off, its
//     recovery period (1 to 35 days) and restorable window. Restoring is not served
//     (RestoreTableToPointInTime is DynamoDB Local's UnknownOperationException).

// dynamoTableSettings is what dynamoSettings keeps of one table.
type dynamoTableSettings struct {
	id        string // TableId, a UUID
	sseKey    string // the KMS key's ARN; "" when the table is encrypted with a key DynamoDB owns
	pitr      bool
	pitrDays  int
	pitrSince time.Time // when point-in-time recovery was last switched on
}

type dynamoSettings struct {
	mu     sync.Mutex
	tables map[string]*dynamoTableSettings // by table name
	now    func() time.Time
}

// dynamoManagedKey is the ARN the account's AWS managed key for DynamoDB (alias/aws/dynamodb) has
// here: a name made from the account, stable across starts.
func dynamoManagedKey() string {
	sum := sha256.Sum256([]byte("alias/aws/dynamodb " + AccountID))
	h := hex.EncodeToString(sum[:16])
	return "arn:aws:kms:" + Region + ":" + AccountID + ":key/" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// dynamoSSESpec is a CreateTable's or UpdateTable's SSESpecification.
type dynamoSSESpec struct {
	Enabled        *bool
	SSEType        string
	KMSMasterKeyId string
}

// dynamoPITRSpec is an UpdateContinuousBackups' PointInTimeRecoverySpecification.
type dynamoPITRSpec struct {
	PointInTimeRecoveryEnabled *bool
	RecoveryPeriodInDays       *int
}

// sseKeyOf is the KMS key a request's SSESpecification asks for ("" for DynamoDB's own key).
func sseKeyOf(spec *dynamoSSESpec) string {
	if spec == nil || spec.Enabled == nil || !*spec.Enabled {
		return ""
	}
	switch id := spec.KMSMasterKeyId; {
	case id == "", id == "alias/aws/dynamodb":
		return dynamoManagedKey()
	case strings.HasPrefix(id, "arn:"):
		return id
	case strings.HasPrefix(id, "alias/"):
		return "arn:aws:kms:" + Region + ":" + AccountID + ":" + id
	default:
		return "arn:aws:kms:" + Region + ":" + AccountID + ":key/" + id
	}
}

// dynamoTableName is a TableName given by name or by this cloud's ARN.
func dynamoTableName(t string) string {
	if _, name, ok := strings.Cut(t, ":table/"); ok {
		return name
	}
	return t
}

func (c *Cloud) dynamoSettingsMiddleware(s *dynamoSettings) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
			switch op {
			case "CreateTable", "UpdateTable", "DescribeTable", "DeleteTable", "DescribeContinuousBackups", "UpdateContinuousBackups":
			default:
				next.ServeHTTP(w, r)
				return
			}
			body, err := gateway.PeekBody(r, dynamoMaxBody)
			var in struct {
				TableName                        string
				SSESpecification                 *dynamoSSESpec
				PointInTimeRecoverySpecification *dynamoPITRSpec
			}
			if err != nil || json.Unmarshal(body, &in) != nil || in.TableName == "" {
				next.ServeHTTP(w, r) // DynamoDB Local answers what it cannot read
				return
			}
			name := dynamoTableName(in.TableName)
			switch op {
			case "DescribeContinuousBackups", "UpdateContinuousBackups":
				s.continuousBackups(w, r, op, name, in.PointInTimeRecoverySpecification)
				return
			}
			rec := gateway.NewResponseBuffer()
			next.ServeHTTP(rec, r)
			if rec.Status() == http.StatusOK {
				s.mu.Lock()
				t := s.tables[name]
				switch {
				case op == "DeleteTable":
					delete(s.tables, name)
					t = nil
				case op == "CreateTable":
					t = &dynamoTableSettings{id: uuid.New(), sseKey: sseKeyOf(in.SSESpecification)}
					s.tables[name] = t
				case op == "UpdateTable" && t != nil && in.SSESpecification != nil:
					t.sseKey = sseKeyOf(in.SSESpecification)
				}
				var id, key string
				if t != nil {
					id, key = t.id, t.sseKey
				}
				s.mu.Unlock()
				if id != "" {
					describeTable(rec, id, key)
				}
			}
			rec.SendTo(w)
		})
	}
}

// describeTable adds TableId, and SSEDescription for a table encrypted with the KMS key key, to
// the table description in rec's answer ("Table" of DescribeTable, "TableDescription" of the
// others), with the CRC32 the SDKs check it by.
func describeTable(rec *gateway.ResponseBuffer, id, key string) {
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.UseNumber()
	var out map[string]any
	if dec.Decode(&out) != nil {
		return
	}
	for _, k := range []string{"Table", "TableDescription"} {
		if t, ok := out[k].(map[string]any); ok {
			t["TableId"] = id
			if key != "" {
				t["SSEDescription"] = map[string]any{"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": key}
			}
		}
	}
	if b, err := json.Marshal(out); err == nil {
		setDynamoBody(rec, b)
	}
}

// continuousBackups answers DescribeContinuousBackups and UpdateContinuousBackups for table name.
func (s *dynamoSettings) continuousBackups(w http.ResponseWriter, r *http.Request, op, name string, spec *dynamoPITRSpec) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tables[name]
	if t == nil {
		gateway.WriteError(w, r, http.StatusBadRequest, "TableNotFoundException", "Table not found: "+name)
		return
	}
	if op == "UpdateContinuousBackups" {
		if spec == nil || spec.PointInTimeRecoveryEnabled == nil {
			gateway.WriteError(w, r, http.StatusBadRequest, "ValidationException", "1 validation error detected: Value null at 'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled' failed to satisfy constraint: Member must not be null")
			return
		}
		days := 35
		if spec.RecoveryPeriodInDays != nil {
			days = *spec.RecoveryPeriodInDays
			if days < 1 || days > 35 {
				gateway.WriteError(w, r, http.StatusBadRequest, "ValidationException", "1 validation error detected: Value '"+strconv.Itoa(days)+"' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: Member must have value between 1 and 35")
				return
			}
		}
		if *spec.PointInTimeRecoveryEnabled && !t.pitr {
			t.pitrSince = s.now()
		}
		t.pitr, t.pitrDays = *spec.PointInTimeRecoveryEnabled, days
	}
	pitr := map[string]any{"PointInTimeRecoveryStatus": "DISABLED"}
	if t.pitr {
		now := s.now()
		earliest := now.AddDate(0, 0, -t.pitrDays)
		if t.pitrSince.After(earliest) {
			earliest = t.pitrSince
		}
		pitr = map[string]any{"PointInTimeRecoveryStatus": "ENABLED", "RecoveryPeriodInDays": t.pitrDays,
			"EarliestRestorableDateTime": epochSeconds(earliest), "LatestRestorableDateTime": epochSeconds(now)}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	json.NewEncoder(w).Encode(map[string]any{"ContinuousBackupsDescription": map[string]any{
		"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": pitr}})
}

// epochSeconds is t as DynamoDB's JSON gives a time: seconds since the epoch, with milliseconds.
func epochSeconds(t time.Time) json.Number {
	return json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64))
}
