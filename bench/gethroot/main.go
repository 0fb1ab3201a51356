// Command gethroot computes the state root of export partitions with go-ethereum's own StackTrie:
// the reference `npm run bench` holds the project's StateRootBuilder to, doing the same work
// (read the JSON lines, check each account, hash storage tries and the account trie) without
// writing a database as `geth init` does.
//
//	gethroot part-000.jsonl part-001.jsonl ...
//	gethroot -genesis out.json part-000.jsonl ...
//
// The files hold one account per line in key order, as src/state/jsonl.ts writes them:
// {key, address, balance, nonce, codeHash, code?, storage? (slot → value), storageRoot?}.
// It prints {"root", "accounts", "seconds"} as JSON; seconds covers the work only, not start-up.
// With -genesis it also does the genesis activity's work in the same pass: each account becomes a
// go-ethereum genesis alloc entry (types.Account, core.GenesisAccount, marshalled by its own JSON
// code) written to the file, which is hashed (sha256) and synced as the project's writer does;
// it then also prints "bytes" and "sha256".
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/ethereum/go-ethereum/trie"
	"github.com/holiman/uint256"
)

// account is one line of an export partition, decoded with go-ethereum's own JSON types.
type account struct {
	Key         common.Hash                 `json:"key"`
	Address     common.Address              `json:"address"`
	Balance     *hexutil.Big                `json:"balance"`
	Nonce       hexutil.Uint64              `json:"nonce"`
	CodeHash    common.Hash                 `json:"codeHash"`
	Code        *hexutil.Bytes              `json:"code"`
	Storage     map[common.Hash]common.Hash `json:"storage"`
	StorageRoot *common.Hash                `json:"storageRoot"`
}

type result struct {
	Root     string  `json:"root"`
	Accounts int     `json:"accounts"`
	Seconds  float64 `json:"seconds"`
	Bytes    int64   `json:"bytes,omitempty"`
	Sha256   string  `json:"sha256,omitempty"`
}

func main() {
	genesisPath := flag.String("genesis", "", "also write the accounts as a genesis alloc to this file")
	flag.Parse()
	if flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: gethroot [-genesis out.json] <partition.jsonl>...")
		os.Exit(2)
	}
	started := time.Now()
	var alloc *allocWriter
	if *genesisPath != "" {
		var err error
		if alloc, err = newAllocWriter(*genesisPath); err != nil {
			fail(err)
		}
	}
	root, accounts, err := stateRoot(flag.Args(), alloc)
	if err != nil {
		fail(err)
	}
	out := result{Root: root.Hex(), Accounts: accounts}
	if alloc != nil {
		if out.Bytes, out.Sha256, err = alloc.finish(); err != nil {
			fail(err)
		}
	}
	out.Seconds = time.Since(started).Seconds()
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gethroot:", err)
	os.Exit(1)
}

// allocWriter streams genesis alloc entries, each go-ethereum's own JSON of types.Account, into a
// file through a sha256, between a fixed header and the closing braces.
type allocWriter struct {
	file    *os.File
	buf     *bufio.Writer
	hash    io.Writer
	digest  func() []byte
	entries int
}

func newAllocWriter(path string) (*allocWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	w := &allocWriter{file: f, hash: h, digest: func() []byte { return h.Sum(nil) }}
	w.buf = bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	_, err = w.buf.WriteString(`{"config":{},"nonce":"0x0","alloc":{`)
	return w, err
}

func (w *allocWriter) add(a *account) error {
	entry := types.Account{Balance: a.Balance.ToInt(), Nonce: uint64(a.Nonce), Storage: a.Storage}
	if a.Code != nil && len(*a.Code) > 0 {
		entry.Code = *a.Code
	}
	body, err := json.Marshal(entry)
	if err != nil {
		return err
	}
	sep := ",\n"
	if w.entries == 0 {
		sep = "\n"
	}
	w.entries++
	if _, err := fmt.Fprintf(w.buf, "%s\"0x%x\":", sep, a.Address[:]); err != nil {
		return err
	}
	_, err = w.buf.Write(body)
	return err
}

func (w *allocWriter) finish() (int64, string, error) {
	if _, err := w.buf.WriteString("\n}}\n"); err != nil {
		return 0, "", err
	}
	if err := w.buf.Flush(); err != nil {
		return 0, "", err
	}
	if err := w.file.Sync(); err != nil {
		return 0, "", err
	}
	info, err := w.file.Stat()
	if err != nil {
		return 0, "", err
	}
	return info.Size(), hex.EncodeToString(w.digest()), w.file.Close()
}

func stateRoot(paths []string, alloc *allocWriter) (common.Hash, int, error) {
	accountTrie := trie.NewStackTrie(nil)
	accounts := 0
	for _, path := range paths {
		n, err := addFile(accountTrie, alloc, path)
		accounts += n
		if err != nil {
			return common.Hash{}, accounts, err
		}
	}
	return accountTrie.Hash(), accounts, nil
}

func addFile(accountTrie *trie.StackTrie, alloc *allocWriter, path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<16), 256<<20)
	accounts := 0
	for lineNo := 1; scanner.Scan(); lineNo++ {
		line := bytes.TrimSuffix(scanner.Bytes(), []byte{'\r'})
		if len(line) == 0 {
			continue
		}
		var a account
		if err := json.Unmarshal(line, &a); err != nil {
			return accounts, fmt.Errorf("%s:%d: not a JSON account record: %w", path, lineNo, err)
		}
		value, err := accountValue(&a)
		if err != nil {
			return accounts, fmt.Errorf("%s:%d: account %s: %w", path, lineNo, a.Address.Hex(), err)
		}
		if err := accountTrie.Update(a.Key[:], value); err != nil {
			return accounts, fmt.Errorf("%s:%d: account %s: key %s: %w", path, lineNo, a.Address.Hex(), a.Key.Hex(), err)
		}
		if alloc != nil {
			if err := alloc.add(&a); err != nil {
				return accounts, fmt.Errorf("%s:%d: account %s: %w", path, lineNo, a.Address.Hex(), err)
			}
		}
		accounts++
	}
	return accounts, scanner.Err()
}

// accountValue checks the record as the project's StateRootBuilder does (key, code hash, reported
// storage root) and returns the account's RLP as the state trie holds it.
func accountValue(a *account) ([]byte, error) {
	if key := crypto.Keccak256Hash(a.Address[:]); key != a.Key {
		return nil, fmt.Errorf("key %s is not keccak256(address) %s", a.Key.Hex(), key.Hex())
	}
	if a.Code != nil {
		if hash := crypto.Keccak256Hash(*a.Code); hash != a.CodeHash {
			return nil, fmt.Errorf("codeHash %s does not match keccak256(code) %s", a.CodeHash.Hex(), hash.Hex())
		}
	}
	root, err := storageRoot(a.Storage)
	if err != nil {
		return nil, err
	}
	if a.StorageRoot != nil && *a.StorageRoot != root {
		return nil, fmt.Errorf("storage root reported by the source %s differs from the computed %s", a.StorageRoot.Hex(), root.Hex())
	}
	if a.Balance == nil {
		return nil, fmt.Errorf("no balance")
	}
	balance, overflow := uint256.FromBig(a.Balance.ToInt())
	if overflow {
		return nil, fmt.Errorf("balance %s does not fit in 32 bytes", a.Balance)
	}
	return rlp.EncodeToBytes(&types.StateAccount{Nonce: uint64(a.Nonce), Balance: balance, Root: root, CodeHash: a.CodeHash[:]})
}

type slot struct {
	key   common.Hash
	value []byte
}

// storageRoot is the root of the storage trie: keccak(slot) → RLP(value without leading zeros),
// in hashed-key order.
func storageRoot(storage map[common.Hash]common.Hash) (common.Hash, error) {
	if len(storage) == 0 {
		return types.EmptyRootHash, nil
	}
	slots := make([]slot, 0, len(storage))
	for k, v := range storage {
		if v == (common.Hash{}) {
			return common.Hash{}, fmt.Errorf("storage slot %s has a zero value", k.Hex())
		}
		enc, err := rlp.EncodeToBytes(common.TrimLeftZeroes(v[:]))
		if err != nil {
			return common.Hash{}, err
		}
		slots = append(slots, slot{crypto.Keccak256Hash(k[:]), enc})
	}
	sort.Slice(slots, func(i, j int) bool { return bytes.Compare(slots[i].key[:], slots[j].key[:]) < 0 })
	st := trie.NewStackTrie(nil)
	for _, s := range slots {
		if err := st.Update(s.key[:], s.value); err != nil {
			return common.Hash{}, fmt.Errorf("storage slot hash %s: %w", s.key.Hex(), err)
		}
	}
	return st.Hash(), nil
}
