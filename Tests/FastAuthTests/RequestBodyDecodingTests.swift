import FastAuth
import Testing

@Suite("Request bodies, framework-free")
struct RequestBodyDecodingTests {
    @Test(
        "Content-Type: JSON and application/*+json are JSON, the form type is a form, nothing is missing, the rest unsupported",
        arguments: [
            ("application/json", .json), ("Application/JSON; charset=utf-8", .json), (" application/json ", .json),
            ("application/vnd.api+json", .json), ("application/+json", .unsupported),
            ("application/x-www-form-urlencoded", .form), ("application/x-www-form-urlencoded; charset=utf-8", .form),
            (nil, .missing), ("", .missing), ("  ", .missing), ("; charset=utf-8", .unsupported),
            ("text/plain", .unsupported), ("text/json", .unsupported),
            ("multipart/form-data; boundary=x", .unsupported),
            ("application/json5", .unsupported), ("application/jsonx", .unsupported),
        ] as [(String?, RequestBodyDecoding.MediaType)])
    func mediaTypes(header: String?, expected: RequestBodyDecoding.MediaType) {
        #expect(RequestBodyDecoding.mediaType(ofContentType: header) == expected)
    }

    @Test(
        "form fields: + is a space, %XX a byte, broken escapes and invalid UTF-8 kept as sent, the first of a name wins"
    )
    func formFields() {
        let fields = RequestBodyDecoding.formFields(
            Array("token=a%2Eb+c&token=second&empty=&bare&bad=%zz+x&latin=%E9&%C3%A9=%C3%A9&&=v".utf8))
        #expect(fields["token"] == "a.b c")
        #expect(fields["empty"] == "")
        #expect(fields["bare"] == "")
        #expect(fields["bad"] == "%zz+x")
        #expect(fields["latin"] == "%E9")
        #expect(fields["é"] == "é")
        #expect(fields[""] == "v")
    }
}
