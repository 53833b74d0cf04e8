GO ?= go
BIN := build/pasteld
PKGS := ./...

.PHONY: build test test-long fuzz bench lint proto devnet clean

build:
	$(GO) build -o $(BIN) ./cmd/pasteld

proto:
	protoc -I proto --go_out=. --go_opt=module=github.com/pastelchain/pastel $$(find proto -name '*.proto')
