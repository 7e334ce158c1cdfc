// Command mint prints one aforo-bridge bridge token for the customer described by the AFORO_* environment
// variables. It uses Go's standard library only, so it builds offline with no module download; the claims match
// aforo-bridge/mint: external_customer_id, optional email and name, iat, exp = iat + 300, a random 128-bit jti and
// aud "aforo-bridge", with the kid in the header.
package main

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"
)

const ttlSeconds = 300

type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

type claims struct {
	ExternalCustomerID string `json:"external_customer_id"`
	Email              string `json:"email,omitempty"`
	Name               string `json:"name,omitempty"`
	Iat                int64  `json:"iat"`
	Exp                int64  `json:"exp"`
	Jti                string `json:"jti"`
	Aud                string `json:"aud"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "mint: "+format+"\n", args...)
	os.Exit(2)
}

func required(name string) string {
	value := os.Getenv(name)
	if value == "" {
		fail("%s is required", name)
	}
	return value
}

func segment(value interface{}) string {
	encoded, err := json.Marshal(value)
	if err != nil {
		fail("cannot encode the token: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(encoded)
}

func rsaPrivateKey() (*rsa.PrivateKey, error) {
	text := os.Getenv("AFORO_PRIVATE_KEY_PEM")
	if text == "" && os.Getenv("AFORO_PRIVATE_KEY_FILE") != "" {
		data, err := os.ReadFile(os.Getenv("AFORO_PRIVATE_KEY_FILE"))
		if err != nil {
			return nil, err
		}
		text = string(data)
	}
	if text == "" {
		return nil, errors.New("RS256 needs AFORO_PRIVATE_KEY_PEM or AFORO_PRIVATE_KEY_FILE")
	}
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("the private key is not PEM")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the private key is not PKCS#8: %v", err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("the private key is not an RSA key")
	}
	// The engine refuses RSA signing keys under 2048 bits, so a smaller one can only be a mistake.
	if key.N.BitLen() < 2048 {
		return nil, errors.New("the RSA key must be at least 2048 bits")
	}
	return key, nil
}

func sign(alg string, input []byte) ([]byte, error) {
	switch alg {
	case "HS256":
		// The HMAC key is the UTF-8 bytes of the secret string, as in the engine, PyJWT and golang-jwt.
		mac := hmac.New(sha256.New, []byte(required("AFORO_SECRET")))
		mac.Write(input)
		return mac.Sum(nil), nil
	case "RS256":
		key, err := rsaPrivateKey()
		if err != nil {
			return nil, err
		}
		digest := sha256.Sum256(input)
		return rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	}
	return nil, errors.New("AFORO_ALG must be HS256 or RS256")
}

func main() {
	alg := required("AFORO_ALG")
	kid := required("AFORO_KID")
	externalCustomerID := required("AFORO_EXTERNAL_CUSTOMER_ID")

	// 128 random bits: the engine refuses a second exchange of the same (kid, jti).
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		fail("cannot read random bytes: %v", err)
	}
	iat := time.Now().Unix()
	signingInput := segment(header{Alg: alg, Kid: kid, Typ: "JWT"}) + "." + segment(claims{
		ExternalCustomerID: externalCustomerID,
		Email:              os.Getenv("AFORO_EMAIL"),
		Name:               os.Getenv("AFORO_NAME"),
		Iat:                iat,
		Exp:                iat + ttlSeconds,
		Jti:                base64.RawURLEncoding.EncodeToString(jti),
		Aud:                "aforo-bridge",
	})
	signature, err := sign(alg, []byte(signingInput))
	if err != nil {
		fail("%v", err)
	}
	fmt.Println(signingInput + "." + base64.RawURLEncoding.EncodeToString(signature))
}
