module github.com/pastelchain/pastel/bench/codeccompare

go 1.26.8

replace github.com/pastelchain/pastel => ../..

require (
	github.com/google/gofountain v0.0.0-20160820054803-4928733085e9 // indirect
	github.com/klauspost/compress v1.18.0 // indirect
	github.com/klauspost/cpuid/v2 v2.3.0 // indirect
	github.com/klauspost/reedsolomon v1.14.0 // indirect
	github.com/pastelchain/pastel v0.0.0-00010101000000-000000000000 // indirect
	github.com/xssnick/raptorq v1.4.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
