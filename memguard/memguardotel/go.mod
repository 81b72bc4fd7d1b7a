// memguardotel is a module of its own so that OpenTelemetry is not in the
// module graph of a host that imports only kith's root module.
module github.com/kithhq/kith/memguard/memguardotel

go 1.26.0

require (
	github.com/kithhq/kith v0.0.0-00010101000000-000000000000
	go.opentelemetry.io/otel v1.47.0
	go.opentelemetry.io/otel/metric v1.47.0
)

require (
	github.com/KimMachineGun/automemlimit v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/pbnjay/memory v0.0.0-20210728143218-7b4eea64cf58 // indirect
)

// Development and CI build against the kith in this repository. A replace
// directive applies only when this module is the main module: a host's
// build uses the kith version required above (set it to a tagged kith
// release when both are tagged).
replace github.com/kithhq/kith => ../..
