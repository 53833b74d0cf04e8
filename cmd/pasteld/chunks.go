package main

import "github.com/pastelchain/pastel/cmd/pasteld/chunkscmd"

func init() { extraCommands = append(extraCommands, chunkscmd.Command) }
