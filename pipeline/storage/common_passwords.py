"""Passwords that guessing tools try first: refused by the review app's password policy.

A short list on purpose: with at least 12 characters required, only the long
entries of the usual leaked-password lists matter, and the obvious Russian
keyboard walks and words are added. Compared case-insensitively.
"""

from __future__ import annotations

COMMON_PASSWORDS: frozenset[str] = frozenset({
    "123456789012", "1234567890123", "12345678901234", "123456789012345", "1234567890qwerty",
    "qwertyuiop12", "qwertyuiopasdf", "qwertyuiop123", "qwerty123456", "qwerty12345678",
    "1q2w3e4r5t6y", "1q2w3e4r5t6y7u", "1qaz2wsx3edc", "1qaz2wsx3edc4rfv", "zaq12wsxcde3",
    "zaq1zaq1zaq1", "asdfghjkl123", "asdfghjkl;'", "zxcvbnm12345", "qazwsxedcrfv",
    "password1234", "password12345", "password123456", "passw0rd1234", "p@ssw0rd1234",
    "p@ssword1234", "password!234", "mypassword123", "iloveyou1234", "letmein12345",
    "welcome12345", "welcome123456", "administrator", "administrator1", "admin1234567",
    "adminadmin12", "changeme1234", "trustno11234", "football1234", "baseball1234",
    "superman1234", "sunshine1234", "princess1234", "monkey123456", "dragon123456",
    "111111111111", "000000000000", "123123123123", "121212121212", "123321123321",
    "987654321098", "098765432109", "aaaaaaaaaaaa", "abcdefghijkl", "abc123abc123",
    "йцукенгшщзхъ", "йцукен123456", "фывапролджэ1", "ячсмитьбю123", "пароль123456",
    "пароль1234567", "парольпароль", "привет123456", "qwertyqwerty", "password",
    "callqa-password", "callqa123456", "review123456", "stroydom1234", "stroydom12345",
})

__all__ = ["COMMON_PASSWORDS"]
