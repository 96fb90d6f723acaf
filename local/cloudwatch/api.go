package cloudwatch

import "net/http"

// Handler answers the CloudWatch API for the "monitoring" signing name, in Smithy RPCv2-CBOR
// (POST /service/GraniteServiceVersion20100801/operation/<Op>, Smithy-Protocol: rpc-v2-cbor).
func (s *Store) Handler() http.Handler { return &api{s: s} }

type api struct{ s *Store }

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "cloudwatch: implementation follows", http.StatusNotImplemented)
}
