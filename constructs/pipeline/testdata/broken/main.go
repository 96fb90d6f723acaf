// Package main does not compile on purpose: BuildFunction must surface the compiler error.
package main

func main() { notDefined() }
