public enum FastAuthVersion { public static let string = "0.1.0" }
